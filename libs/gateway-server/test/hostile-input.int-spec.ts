import fc from 'fast-check';
import { KafkaEventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';
import { checkAgainst } from './support/openai-schemas';

/** Cases per property: bounded in `npm test`; `npm run fuzz` sets PGW_FUZZ_RUNS for a longer run. */
const RUNS = Number(process.env.PGW_FUZZ_RUNS ?? 60);

/**
 * Hostile bodies, headers and query strings against every public gateway route: never a 5xx, every
 * error in OpenAI's shape, the process still serving, memory flat.
 */
describe('gateway: hostile input never degrades the service', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let apiKey: string;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    const seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: { 'gpt-4o-mini': { baseUrl: mock.baseUrl, apiKey: 'k' } },
      defaultUpstream: null,
      upstream: { timeoutMs: 2_000 },
    });
    const project = await seed.project();
    ({ apiKey } = await seed.key(project.project_id));
    await waitFor(() =>
      send('POST', '/v1/chat/completions', chat('gpt-4o-mini')).then((r) => r.status === 200),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await seedBus?.close();
    await mock?.close();
  });

  const chat = (model: unknown, content: unknown = 'hi') =>
    JSON.stringify({ model, messages: [{ role: 'user', content }] });

  function send(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    return fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    });
  }

  /** The verdict every answer must pass: below 500, and an error is OpenAI-shaped. */
  async function expectSound(response: Response): Promise<number> {
    const text = await response.text();
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400) expect(checkAgainst('ErrorResponse', JSON.parse(text))).toEqual([]);
    return response.status;
  }

  it('answers model ids that are Object.prototype members as unknown models (400, not 500)', async () => {
    for (const model of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const response = await send('POST', '/v1/chat/completions', chat(model));
      expect(await expectSound(response)).toBe(400);
      expect(await expectSound(await send('GET', `/v1/models/${model}`))).toBe(404);
    }
  });

  it('refuses very deep JSON with a 400', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const body of [
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"metadata":${deep}}`,
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":${deep}}]}`,
      `{"model":"gpt-4o-mini","messages":${deep}}`,
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"tools":${deep}}`,
    ]) {
      expect(await expectSound(await send('POST', '/v1/chat/completions', body))).toBe(400);
    }
  });

  it('answers unknown /admin paths and OPTIONS there with the admin 404, not the /v1 hint', async () => {
    for (const [method, path] of [
      ['GET', '/admin/v1/nope'],
      ['OPTIONS', '/admin/v1/projects'],
      ['POST', '/admin'],
    ]) {
      const response = await send(method, path, '{}');
      expect(response.status).toBe(404);
      const body = (await response.json()) as { error: { message: string; type: string; code: string } };
      expect(body.error).toMatchObject({ type: 'not_found_error', code: 'not_found', param: null });
      expect(body.error.message).toMatch(/admin API/);
      expect(body.error.message).not.toMatch(/base URL must end in \/v1/);
    }
  });

  it('accepts the Bearer scheme in any case', async () => {
    const response = await send('POST', '/v1/chat/completions', chat('gpt-4o-mini'), {
      authorization: `bearer ${apiKey}`,
    });
    expect(response.status).toBe(200);
    await response.text();
  });

  const jsonish = fc.oneof(
    fc.json({ depthSize: 'medium' }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .record({
        model: fc.oneof(
          fc.constantFrom('gpt-4o-mini', 'constructor', '__proto__', ''),
          fc.string({ unit: 'binary' }),
          fc.jsonValue(),
        ),
        messages: fc.oneof(
          fc.array(
            fc.record({
              role: fc.constantFrom('user', 'system', 'assistant', 'tool', 'x'),
              content: fc.jsonValue(),
            }),
            { maxLength: 3 },
          ),
          fc.jsonValue(),
        ),
        stream: fc.oneof(fc.boolean(), fc.jsonValue()),
        max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string()),
        user: fc.string({ unit: 'binary', maxLength: 300 }),
      })
      .map((o) => JSON.stringify(o)),
  );
  const hostileHeader = fc
    .string({ unit: 'grapheme-ascii', maxLength: 120 })
    .filter((v) => !/[\r\n\0]/.test(v));
  const query = fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((q) => encodeURI(q));
  const path = fc.oneof(
    fc.constantFrom(
      '/v1/chat/completions',
      '/v1/models',
      '/v1/models/gpt-4o-mini',
      '/v1/responses',
      '/v1/responses/resp_1',
      '/v1/responses/resp_1/input_items',
      '/v1/embeddings',
      '/v1',
      '/',
      '/healthz',
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((p) => '/v1/' + encodeURIComponent(p)),
  );

  it('never answers generated hostile requests with a 5xx, and errors are OpenAI-shaped', async () => {
    const rssBefore = process.memoryUsage().rss;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
        path,
        query,
        jsonish,
        fc.record({
          authorization: fc.oneof(fc.constant(`Bearer ${apiKey}`), hostileHeader),
          'content-type': fc.oneof(fc.constant('application/json'), hostileHeader),
        }),
        async (method, p, q, body, headers) => {
          const response = await send(method, q ? `${p}?${q}` : p, body, headers);
          if (method === 'HEAD') return;
          await expectSound(response);
        },
      ),
      { numRuns: RUNS },
    );
    // Still alive, still serving, and no leak proportional to the cases run.
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    await health.text();
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);
});
