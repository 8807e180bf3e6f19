import OpenAI from 'openai';
import { KafkaEventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';
import { checkAgainst } from './support/openai-schemas';
import { AWS_KEY, BLOCKED_TERM, EMAIL, blockTerm, redactSecretsAndEmails } from './support/policies';

describe('gateway: /v1/chat/completions through the official OpenAI client', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;

  beforeAll(async () => {
    mock = await MockUpstream.start({ apiKey: 'upstream-secret' });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: {
        'gpt-test': { baseUrl: mock.baseUrl, apiKey: 'upstream-secret', upstreamModel: 'mock-model' },
      },
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'upstream-secret' },
      upstream: { timeoutMs: 1_000 },
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

  async function client(
    config: { policy?: unknown; allowedModels?: string[]; keyModels?: string[] | null } = {},
  ) {
    const project = await seed.project({ allowed_models: config.allowedModels ?? [] });
    if (config.policy) await seed.policy(project.project_id, config.policy);
    const { apiKey, record } = await seed.key(project.project_id, {
      allowed_models: config.keyModels ?? null,
    });
    const openai = new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    // The gateway learns about the key through Kafka: wait until it answers for it.
    await waitFor(async () => {
      try {
        await openai.models.list();
        return true;
      } catch {
        return false;
      }
    });
    return { openai, project, key: record };
  }

  it('answers a non-streamed completion in OpenAI shape, routed to the upstream model', async () => {
    const { openai } = await client();
    mock.setDefault({ content: 'Hello there.' });
    const completion = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0].message.content).toBe('Hello there.');
    expect(checkAgainst('CreateChatCompletionResponse', completion)).toEqual([]);
    const seen = mock.requests.at(-1)!;
    expect(seen.headers.authorization).toBe('Bearer upstream-secret');
    expect((seen.body as { model: string }).model).toBe('mock-model');
  });

  it('streams a completion; every chunk fits the schema and usage is stripped unless asked for', async () => {
    const { openai } = await client();
    mock.setDefault({ content: 'Hello there, streamed.' });
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) {
      expect(checkAgainst('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('Hello there, streamed.');
    expect((mock.requests.at(-1)!.body as { stream_options: unknown }).stream_options).toEqual({
      include_usage: true,
    });
  });

  it('passes the usage chunk through when the client asks for it', async () => {
    const { openai } = await client();
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toHaveLength(1);
    expect(checkAgainst('CompletionUsage', usages[0])).toEqual([]);
  });

  it('redacts a secret and an email split across SSE chunks, identically streamed and not', async () => {
    const { openai } = await client({ policy: redactSecretsAndEmails() });
    const content = `Your key is ${AWS_KEY} and mail ${EMAIL} ok.`;
    const chunks = ['Your key is AKIA', 'LALEME', 'L33243OLIA and mail jane', '.doe@exam', 'ple.com ok.'];
    mock.setDefault({ content, chunks });
    const whole = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'x' }],
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
    expect(streamed).not.toContain(AWS_KEY);
    expect(streamed).not.toContain('LALEME');
    expect(streamed).not.toContain(EMAIL);
    expect(streamed).toBe(whole.choices[0].message.content);
  });

  it('redacts the prompt before the provider sees it (string content and text parts)', async () => {
    const { openai } = await client({ policy: redactSecretsAndEmails() });
    await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: `Contact ${EMAIL}` },
        { role: 'user', content: [{ type: 'text', text: `my key ${AWS_KEY}` }] },
      ],
      tools: [
        { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } },
      ],
      seed: 7,
      user: 'end-user-1',
    });
    const seen = JSON.stringify(mock.requests.at(-1)!.body);
    expect(seen).not.toContain(AWS_KEY);
    expect(seen).not.toContain(EMAIL);
    const body = mock.requests.at(-1)!.body as Record<string, unknown>;
    // OpenAI parameters pass through untouched.
    expect(body.seed).toBe(7);
    expect(body.user).toBe('end-user-1');
    expect(body.tools).toHaveLength(1);
  });

  it('blocks a prompt with 403 and code = reason code; the upstream is never called', async () => {
    const { openai } = await client({ policy: blockTerm() });
    const error = await openai.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: `tell me about ${BLOCKED_TERM}` }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('denylist_match');
    expect(mock.requests).toHaveLength(0);
  });

  it('ends a stream blocked mid-way with finish_reason content_filter', async () => {
    const { openai } = await client({ policy: blockTerm(BLOCKED_TERM, 'output') });
    mock.setDefault({ chunks: ['All about ', 'project-night', 'shade and more', ' text'] });
    const stream = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('content_filter');
    expect(text).not.toContain('nightshade');
  });

  it('passes an unchanged body through as sent, with include_usage added for a stream', async () => {
    const { openai } = await client();
    // 'direct-model' has no explicit route: the default upstream gets the same model id, so nothing is rewritten.
    const params = { seed: 3, logit_bias: { '42': -1 }, metadata: { a: 'b' }, n: 1 };
    await openai.chat.completions.create({
      model: 'direct-model',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      ...params,
    });
    expect(mock.requests.at(-1)!.body).toMatchObject({ model: 'direct-model', ...params });
    expect(mock.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    const stream = await openai.chat.completions.create({
      model: 'direct-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      ...params,
    });
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text.length).toBeGreaterThan(0);
    expect(mock.requests.at(-1)!.body).toMatchObject({
      model: 'direct-model',
      stream: true,
      stream_options: { include_usage: true },
      ...params,
    });
  });

  it('GET /v1/models/{id}: a model the key may use, else an OpenAI-shaped 404 model_not_found', async () => {
    const { openai } = await client({ allowedModels: ['gpt-test', 'gpt-other'], keyModels: ['gpt-test'] });
    const model = await openai.models.retrieve('gpt-test');
    expect(model).toMatchObject({ id: 'gpt-test', object: 'model', owned_by: 'policy-gateway' });
    expect(checkAgainst('Model', model)).toEqual([]);
    for (const id of ['gpt-other', 'not-a-model']) {
      const error = await openai.models.retrieve(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    }
    const unauthenticated = await fetch(`${gateway.url}/v1/models/gpt-test`);
    expect(unauthenticated.status).toBe(401);
  });

  it('maps every error to the SDK error class', async () => {
    const { openai } = await client({ allowedModels: ['gpt-test', 'gpt-other'], keyModels: ['gpt-test'] });
    const bad = new OpenAI({
      apiKey: 'pgw_unknownkey1_aaaaaaaaaaaaaaaaaaaaaaaa',
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    const noV1 = new OpenAI({ apiKey: 'x', baseURL: gateway.url, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await expect(bad.chat.completions.create({ model: 'gpt-test', messages })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(openai.chat.completions.create({ model: 'nope', messages })).rejects.toMatchObject({
      status: 400,
      param: 'model',
    });
    await expect(openai.chat.completions.create({ model: 'gpt-other', messages })).rejects.toMatchObject({
      status: 403,
      code: 'model_not_allowed',
    });
    await expect(
      openai.chat.completions.create({
        model: 'gpt-test',
        messages: [{ role: 'wizard', content: 'x' }] as never,
      }),
    ).rejects.toMatchObject({ status: 400, param: 'messages[0].role' });
    const notFound = await noV1.chat.completions
      .create({ model: 'gpt-test', messages })
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as Error).message).toContain('/v1');
    mock.enqueue({ status: 500, errorBody: { error: { message: 'secret internal detail' } } });
    const upstream = await openai.chat.completions
      .create({ model: 'gpt-test', messages })
      .catch((e: unknown) => e);
    expect(upstream).toBeInstanceOf(OpenAI.InternalServerError);
    expect((upstream as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((upstream as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_error');
    expect((upstream as Error).message).not.toContain('secret internal detail');
  });
});
