import OpenAI from 'openai';
import { KafkaEventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';
import { checkAgainst } from './support/openai-schemas';

/** Status codes, error shapes and upstream faults, seen by raw HTTP and by the OpenAI client. */
describe('gateway: errors and upstream faults', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let apiKey: string;
  let openai: OpenAI;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    const seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: {},
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' },
      upstream: { timeoutMs: 300 },
      maxBodyBytes: 4_096,
    });
    const project = await seed.project();
    ({ apiKey } = await seed.key(project.project_id));
    openai = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0, timeout: 5_000 });
    await waitFor(() =>
      post({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).then((r) => r.status === 200),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await seedBus?.close();
    await mock?.close();
  });

  function post(body: unknown, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
    return fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function expectError(response: Response, status: number, code?: string | null) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string | null } };
    expect(checkAgainst('ErrorResponse', body)).toEqual([]);
    if (code !== undefined) expect(body.error.code).toBe(code);
    return body;
  }

  it('answers client mistakes with OpenAI-shaped 4xx, never a 500 or a stack', async () => {
    await expectError(await post('{"model": "m", "messages": [', {}), 400, 'invalid_json');
    await expectError(await post('x'.repeat(10_000)), 413, 'request_too_large');
    await expectError(await post('model=m', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await post({ model: 'm' }), 400, 'invalid_value');
    await expectError(await post([1, 2]), 400);
    await expectError(await fetch(`${gateway.url}/v1/chat/completions`), 405, 'method_not_allowed');
    await expectError(await fetch(`${gateway.url}/v1/audio/speech`, { method: 'POST' }), 404, 'unknown_url');
    await expectError(await fetch(`${gateway.url}/v1/responses`), 405, 'method_not_allowed');
    await expectError(
      await fetch(`${gateway.url}/v1/responses/resp_1/input_items`, { method: 'DELETE' }),
      405,
      'method_not_allowed',
    );
    const root = await expectError(
      await fetch(`${gateway.url}/chat/completions`, { method: 'POST', body: '{' }),
      404,
    );
    expect(JSON.stringify(root)).toContain('/v1');
  });

  it('checks the key before the body (401 even for a malformed body)', async () => {
    await expectError(await post('{not json', { authorization: 'Bearer nope' }), 401, 'invalid_api_key');
    await expectError(await post({}, { authorization: '' }), 401, 'invalid_api_key');
  });

  it('upstream 500 → 502 upstream_error, without the upstream body', async () => {
    mock.enqueue({ status: 500, errorBody: { error: { message: 'db password is hunter2' } } });
    const body = await expectError(
      await post({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      502,
      'upstream_error',
    );
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('upstream timeout → 504 upstream_timeout (APIError in the SDK), no connection left hanging', async () => {
    mock.enqueue({ hang: true });
    const error = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout' });
    await waitFor(() => mock.inFlightRequests === 0, { description: 'the timed-out connection closed' });
  });

  it('a connection reset mid-stream ends the stream with an error the SDK raises, and frees the connection', async () => {
    mock.enqueue({ chunks: ['one ', 'two ', 'three ', 'four'], resetAfterChunks: 2 });
    const stream = await openai.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const error = await (async () => {
      for await (const _chunk of stream) {
        // consume
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    await waitFor(() => mock.inFlightRequests === 0, { description: 'the reset connection closed' });
  });

  it('a client that goes away mid-stream aborts the upstream request', async () => {
    mock.enqueue({ chunks: Array.from({ length: 50 }, (_, i) => `piece ${i} `), chunkDelayMs: 20 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    await (async () => {
      for await (const _chunk of stream) if (++seen === 3) controller.abort();
    })().catch(() => undefined);
    await waitFor(() => mock.inFlightRequests === 0, { description: 'upstream connection aborted' });
  });
});
