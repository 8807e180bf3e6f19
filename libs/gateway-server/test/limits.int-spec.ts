import OpenAI from 'openai';
import { KafkaEventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';

describe('gateway: rate limits shared by two replicas through Redis', () => {
  let mock: MockUpstream;
  let gateways: RunningGateway[] = [];
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
    const limits = {
      kind: 'redis' as const,
      url: 'redis://127.0.0.1:6379',
      keyPrefix: `pgw-test:${uniqueId('rl')}:`,
    };
    gateways = await Promise.all(
      [0, 1].map(() =>
        startGateway({ routes: {}, defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' }, limits }),
      ),
    );
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await seedBus?.close();
    await mock?.close();
  });

  async function clients(apiKey: string) {
    const all = gateways.map((g) => new OpenAI({ apiKey, baseURL: `${g.url}/v1`, maxRetries: 0 }));
    for (const client of all)
      await waitFor(() =>
        client.models.list().then(
          () => true,
          () => false,
        ),
      );
    return all;
  }

  it('counts requests per key across replicas and answers 429 with Retry-After and x-ratelimit headers', async () => {
    const project = await seed.project({ key_limits: { requests_per_minute: 4, tokens_per_minute: null } });
    const { apiKey } = await seed.key(project.project_id);
    const [a, b] = await clients(apiKey);
    const ask = (client: OpenAI) =>
      client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
    const first = await ask(a);
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('4');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('3');
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?m?s$/);
    await ask(b);
    await ask(a);
    const last = await ask(b);
    expect(last.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const error = await ask(a).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (error as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    await expect(ask(b)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('limits the project across its keys, and tokens per minute', async () => {
    const project = await seed.project({ limits: { requests_per_minute: null, tokens_per_minute: 60 } });
    const one = await seed.key(project.project_id);
    const two = await seed.key(project.project_id);
    const [a] = await clients(one.apiKey);
    const [, b] = await clients(two.apiKey);
    // ~100 characters of prompt ≈ 29 estimated tokens; the mock reports usage, charged after the response.
    const ask = (client: OpenAI) =>
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(100) }] });
    await waitFor(
      () =>
        ask(a).then(
          () => false,
          (e: unknown) => e instanceof OpenAI.RateLimitError,
        ),
      {
        description: 'token limit reached on replica a',
      },
    );
    const error = await ask(b).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(
      (error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-ratelimit-limit-tokens'),
    ).toBe('60');
  });
});
