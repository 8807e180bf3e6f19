import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { TOPICS, type DecisionPayload, type EventEnvelope, type UsagePayload } from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import {
  MockUpstream,
  readTopicSince,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
} from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';
import { AWS_KEY, BLOCKED_TERM, blockTerm, redactSecretsAndEmails } from './support/policies';

/**
 * The bypasses of issue 15, each tried the way a client (or a provider) would: nothing reaches the
 * provider, the client or the record around the policy.
 */
describe('gateway: enforcement integrity (nothing around the policy)', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;
  const eventsStart = new Map<string, PartitionOffsets>();

  beforeAll(async () => {
    for (const topic of [TOPICS.decisions, TOPICS.usage])
      eventsStart.set(topic, await topicEndOffsets(topic));
    mock = await MockUpstream.start({ apiKey: 'upstream-secret' });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: { 'gpt-test': { baseUrl: mock.baseUrl, apiKey: 'upstream-secret' } },
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'upstream-secret' },
      upstream: { timeoutMs: 2_000 },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await seedBus?.close();
    await mock?.close();
  });

  beforeEach(() => {
    mock.requests.length = 0;
    mock.setDefault({});
  });

  async function keyFor(policy: unknown | null, allowedModels: string[] = []) {
    const project = await seed.project({ allowed_models: allowedModels });
    if (policy) await seed.policy(project.project_id, policy);
    const { apiKey, record } = await seed.key(project.project_id);
    await waitFor(async () => {
      const response = await fetch(`${gateway.url}/v1/models`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return response.status === 200;
    });
    return { apiKey, projectId: project.project_id, keyId: record.key_id };
  }

  const post = (apiKey: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body,
    });

  async function eventsOf<T>(topic: string, projectId: string, count: number) {
    return waitFor(
      async () => {
        const events = (await readTopicSince(topic, eventsStart.get(topic)!))
          .filter((m) => m.key === projectId && m.value)
          .map((m) => JSON.parse(m.value as string) as EventEnvelope<string, T>);
        return events.length >= count ? events : null;
      },
      { timeoutMs: 20_000, description: `${count} events on ${topic}` },
    );
  }

  it('forwards the body the policy judged: a duplicate "messages" key cannot smuggle a blocked prompt', async () => {
    const { apiKey } = await keyFor(blockTerm(BLOCKED_TERM, 'input'));
    // JSON.parse keeps the last "messages"; a provider that keeps the first would act on the other one.
    const raw =
      `{"model":"gpt-test","messages":[{"role":"user","content":"tell me about ${BLOCKED_TERM}"}],` +
      `"messages":[{"role":"user","content":"hello"}]}`;
    const response = await post(apiKey, raw);
    expect(response.status).toBe(200);
    const seen = mock.requests.at(-1)!;
    expect(seen.rawBody).not.toContain(BLOCKED_TERM);
    expect(seen.rawBody).toBe(JSON.stringify(JSON.parse(raw)));
  });

  it('sends the provider exactly the evaluated body, for fuzzed requests (duplicate keys, odd fields, any text)', async () => {
    const { apiKey } = await keyFor(redactSecretsAndEmails());
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 3,
    });
    await fc.assert(
      fc.asyncProperty(text, text, extra, fc.boolean(), async (first, last, fields, duplicate) => {
        delete fields.model;
        delete fields.messages;
        delete fields.__proto__;
        const messages = (content: string) => JSON.stringify([{ role: 'user', content }]);
        const rest = Object.entries(fields)
          .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
          .join('');
        const raw = `{"model":"gpt-test"${duplicate ? `,"messages":${messages(first)}` : ''}${rest},"messages":${messages(last)}}`;
        mock.requests.length = 0;
        const response = await post(apiKey, raw);
        const parsed = JSON.parse(raw) as Record<string, unknown>;
        if (response.status !== 200) {
          // Parameters the gateway validates (stream, user, ...) may be refused: then nothing went upstream.
          expect(response.status).toBe(400);
          expect(mock.requests).toHaveLength(0);
          return;
        }
        // Nothing in these texts is a secret or an email, so the evaluated body is the parsed one.
        const seen = mock.requests.at(-1)!;
        const evaluated = { ...parsed };
        if (typeof evaluated.user === 'string')
          evaluated.user = seen.body && (seen.body as { user?: unknown }).user;
        if (evaluated.stream === true)
          evaluated.stream_options = {
            ...(evaluated.stream_options as object | undefined),
            include_usage: true,
          };
        expect(seen.rawBody).toBe(JSON.stringify(evaluated));
      }),
      { numRuns: 40 },
    );
  });

  it('scans every text-bearing request field: a secret in any of them never reaches the provider', async () => {
    const { apiKey } = await keyFor(redactSecretsAndEmails());
    const body = {
      model: 'gpt-test',
      messages: [
        { role: 'system', content: `system ${AWS_KEY}`, name: `n-${AWS_KEY}` },
        {
          role: 'user',
          content: [
            { type: 'text', text: `part ${AWS_KEY}` },
            { type: 'image_url', image_url: { url: `https://example.com/?k=${AWS_KEY}` } },
            { type: 'file', file: { filename: `${AWS_KEY}.txt`, file_id: 'file-1' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'f', arguments: `{"k":"${AWS_KEY}"}` } },
          ],
          function_call: { name: 'f', arguments: `{"k":"${AWS_KEY}"}` },
        },
        { role: 'tool', tool_call_id: 'call_1', content: `result ${AWS_KEY}` },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            description: `looks up ${AWS_KEY}`,
            parameters: {
              type: 'object',
              properties: { [AWS_KEY]: { type: 'string', description: AWS_KEY } },
            },
          },
        },
      ],
      functions: [{ name: 'g', description: `legacy ${AWS_KEY}`, parameters: { type: 'object' } }],
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { description: AWS_KEY } } },
      prediction: { type: 'content', content: `predicted ${AWS_KEY}` },
      metadata: { note: `meta ${AWS_KEY}`, [AWS_KEY]: 'as a key' },
      stop: [`stop ${AWS_KEY}`],
      user: `user-${AWS_KEY}`,
    };
    const response = await post(apiKey, JSON.stringify(body));
    expect(response.status).toBe(200);
    const seen = mock.requests.at(-1)!;
    expect(seen.rawBody).not.toContain(AWS_KEY);
    // Structure is kept: the redaction replaced text, not fields.
    const forwarded = seen.body as { messages: { tool_calls?: { id: string }[]; content: unknown }[] };
    expect(forwarded.messages[2].tool_calls?.[0].id).toBe('call_1');
    expect(forwarded.messages[1].content).toHaveLength(3);
  });

  it('drops logprobs and redacts refusal, reasoning and legacy function_call in a whole response', async () => {
    const { apiKey } = await keyFor(redactSecretsAndEmails());
    mock.setDefault({
      status: 200,
      errorBody: {
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-test',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: `key ${AWS_KEY}`,
              refusal: `refused ${AWS_KEY}`,
              reasoning_content: `thinking ${AWS_KEY}`,
              function_call: { name: 'f', arguments: `{"k":"${AWS_KEY}"}` },
              audio: { id: 'a', transcript: `said ${AWS_KEY}` },
            },
            logprobs: {
              content: [{ token: AWS_KEY, logprob: -0.1, bytes: [65], top_logprobs: [{ token: AWS_KEY }] }],
            },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    });
    const response = await post(
      apiKey,
      JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], logprobs: true }),
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(AWS_KEY);
    const completion = JSON.parse(text) as {
      choices: { message: Record<string, unknown>; logprobs: unknown }[];
    };
    expect(completion.choices[0].logprobs).toBeNull();
    expect(completion.choices[0].message.content).toMatch(/^key /);
  });

  it('a block empties every field of a whole response, logprobs included', async () => {
    const { apiKey } = await keyFor(blockTerm(BLOCKED_TERM, 'output'));
    mock.setDefault({
      status: 200,
      errorBody: {
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-test',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: `about ${BLOCKED_TERM}`,
              refusal: null,
              reasoning_content: BLOCKED_TERM,
            },
            logprobs: { content: [{ token: BLOCKED_TERM, logprob: -0.1, bytes: null, top_logprobs: [] }] },
            finish_reason: 'stop',
          },
        ],
      },
    });
    const response = await post(
      apiKey,
      JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
    );
    const text = await response.text();
    expect(text).not.toContain(BLOCKED_TERM);
    expect((JSON.parse(text) as { choices: { finish_reason: string }[] }).choices[0].finish_reason).toBe(
      'content_filter',
    );
  });

  it('redacts every streamed field, split across chunks, and drops logprobs and choice-less events', async () => {
    const { apiKey } = await keyFor(redactSecretsAndEmails());
    const event = (delta: object, extra: object = {}) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices: [{ index: 0, delta, finish_reason: null, ...extra }] })}\n\n`;
    const half = AWS_KEY.length / 2;
    const [a, b] = [AWS_KEY.slice(0, half), AWS_KEY.slice(half)];
    const sse =
      event({ role: 'assistant', content: '' }) +
      event({ refusal: `r ${a}` }) +
      event({ refusal: `${b} r` }) +
      event({ reasoning_content: `t ${a}` }) +
      event({ reasoning_content: `${b} t` }) +
      event({ function_call: { name: 'f', arguments: `{"k":"${a}` } }) +
      event({ function_call: { arguments: `${b}"}` } }) +
      event(
        { content: 'x' },
        { logprobs: { content: [{ token: AWS_KEY, logprob: -1, bytes: null, top_logprobs: [] }] } },
      ) +
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', note: `stray ${AWS_KEY}` })}\n\n` +
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n` +
      'data: [DONE]\n\n';
    mock.setDefault({ status: 200, errorBody: sse });
    const response = await post(
      apiKey,
      JSON.stringify({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        logprobs: true,
      }),
    );
    const text = await response.text();
    expect(text).not.toContain(AWS_KEY);
    for (const piece of [a, b]) expect(text).not.toContain(piece);
    expect(text).not.toContain('stray');
    expect(text).toContain('[DONE]');
  });

  const hi = (extra: object = {}) =>
    JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('normalises user (control characters, length) so its decision is always recordable', async () => {
    const { apiKey, projectId } = await keyFor(redactSecretsAndEmails());
    const response = await post(apiKey, hi({ user: `ali\u0000ce\u0007${'x'.repeat(400)}` }));
    expect(response.status).toBe(200);
    expect((mock.requests.at(-1)!.body as { user: string }).user).toBe(`alice${'x'.repeat(251)}`);
    const decisions = await eventsOf<DecisionPayload>(TOPICS.decisions, projectId, 2);
    expect(decisions.map((d) => d.payload.policy_user)).toEqual([
      `alice${'x'.repeat(251)}`,
      `alice${'x'.repeat(251)}`,
    ]);
  });

  it('keeps a user id a redact rule matches neither upstream nor as policy_user', async () => {
    const { apiKey, projectId } = await keyFor(redactSecretsAndEmails());
    const response = await post(apiKey, hi({ user: 'john.doe@example.com' }));
    expect(response.status).toBe(200);
    expect(mock.requests.at(-1)!.rawBody).not.toContain('john.doe@example.com');
    const decisions = await eventsOf<DecisionPayload>(TOPICS.decisions, projectId, 2);
    expect(JSON.stringify(decisions)).not.toContain('john.doe@example.com');
    expect(decisions[0].payload.policy_user).toEqual(expect.any(String));
  });

  it('replaces a free-text request id with its own', async () => {
    const { apiKey, projectId } = await keyFor(null);
    const freeTextId = `DOB 1970-01-01 ssn 123-45-6789 ${randomUUID()}`;
    const response = await post(apiKey, hi(), { 'x-request-id': freeTextId });
    expect(response.status).toBe(200);
    const given = response.headers.get('x-request-id');
    expect(given).not.toBe(freeTextId);
    const usage = await eventsOf<UsagePayload>(TOPICS.usage, projectId, 1);
    expect(usage[0].payload.request_id).toBe(given);
    // A plain token is kept (clients correlate with it).
    const token = `req_${randomUUID()}`;
    expect((await post(apiKey, hi(), { 'x-request-id': token })).headers.get('x-request-id')).toBe(token);
  });

  it("records a model nobody configured as unknown, never the client's string", async () => {
    const { apiKey, projectId } = await keyFor(null, ['gpt-test']);
    const cardModel = `gpt 4111 1111 1111 1111 ${randomUUID()}`;
    const rejected = await post(
      apiKey,
      JSON.stringify({ model: cardModel, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(rejected.status).toBe(400);
    expect((await post(apiKey, hi())).status).toBe(200);
    const usage = await eventsOf<UsagePayload>(TOPICS.usage, projectId, 2);
    expect(JSON.stringify(usage)).not.toContain('4111');
    expect(usage.map((u) => u.payload.model).sort()).toEqual(['gpt-test', 'unknown']);
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    expect(metrics).not.toContain('4111');
  });

  it('picks the canary bucket from the key when there is no user: new request ids do not change the verdict', async () => {
    const project = await seed.project();
    await seed.policy(project.project_id, blockTerm(), { rollout_mode: 'canary', canary_percent: 50 });
    const statuses = new Set<number>();
    for (let k = 0; k < 6; k++) {
      const { apiKey } = await seed.key(project.project_id);
      await waitFor(async () => {
        const response = await fetch(`${gateway.url}/v1/models`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        return response.status === 200;
      });
      const perKey = new Set<number>();
      for (let i = 0; i < 8; i++) {
        const response = await post(
          apiKey,
          JSON.stringify({
            model: 'gpt-test',
            messages: [{ role: 'user', content: `about ${BLOCKED_TERM}` }],
          }),
          { 'x-request-id': `retry-${randomUUID()}` },
        );
        perKey.add(response.status);
      }
      expect(perKey.size).toBe(1);
      statuses.add([...perKey][0]);
    }
    expect([...statuses].every((status) => status === 200 || status === 403)).toBe(true);
  });
});
