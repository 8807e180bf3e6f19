import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { TOPICS, uncheckedEncoded } from '@pgw/contracts';
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

/**
 * What Kubernetes relies on when it stops a gateway pod (docs/deployment.md, "Event durability"): every
 * upstream call has an overall bound, a stop lets streams in flight finish and publishes their events,
 * idle keep-alive connections do not hold the stop, and events spilled by a predecessor with the same
 * volume reach Kafka. Real broker, real HTTP; only the provider is mocked.
 */
describe('gateway: bounded streams and graceful shutdown', () => {
  let mock: MockUpstream;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;
  const agent = new Agent({ keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
  const running: RunningGateway[] = [];

  beforeAll(async () => {
    mock = await MockUpstream.start({ recordRequests: false });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
  });

  afterAll(async () => {
    for (const gateway of running) await gateway.close().catch(() => undefined);
    await agent.close();
    await seedBus?.close();
    await mock?.close();
  });

  async function gatewayWithKey(
    options: Parameters<typeof startGateway>[0],
    bus?: KafkaEventBus,
  ): Promise<{ gateway: RunningGateway; apiKey: string; projectId: string }> {
    const gateway = await startGateway(options, bus);
    running.push(gateway);
    const project = await seed.project();
    const { apiKey } = await seed.key(project.project_id);
    await waitFor(async () => (await stream(gateway, apiKey, false)).status === 200, { description: 'key' });
    return { gateway, apiKey, projectId: project.project_id };
  }

  function stream(gateway: RunningGateway, apiKey: string, streamed = true) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: streamed, messages: [{ role: 'user', content: 'hi' }] }),
      // @ts-expect-error undici's fetch option (Node's global fetch is undici)
      dispatcher: agent,
    });
  }

  async function usageOf(since: PartitionOffsets, requestId: string): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        for (const message of await readTopicSince(TOPICS.usage, since)) {
          const event = JSON.parse(message.value ?? '{}') as { payload?: Record<string, unknown> };
          if (event.payload?.request_id === requestId) return event.payload;
        }
        return null;
      },
      { description: `the usage event of ${requestId}` },
    );
  }

  it('a stream longer than upstream.maxDurationMs ends with an upstream_timeout event, and its usage is recorded', async () => {
    const { gateway, apiKey } = await gatewayWithKey({
      routes: {},
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' },
      upstream: { maxDurationMs: 1_000 },
    });
    const since = await topicEndOffsets(TOPICS.usage);
    const chunks = Array.from({ length: 12 }, (_, i) => `chunk${i} `);
    mock.enqueue({ chunks, chunkDelayMs: 300 });
    const response = await stream(gateway, apiKey);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('chunk0');
    expect(body).not.toContain('chunk11'); // cut at the bound, not at the provider's end
    expect(body).toContain('"code":"upstream_timeout"');
    const usage = await usageOf(since, response.headers.get('x-request-id') ?? '');
    expect(usage).toMatchObject({ status: 'error', error_code: 'upstream_timeout', streamed: true });
  });

  it('a stop lets the stream in flight finish, publishes its usage, and is not held by idle keep-alive connections', async () => {
    const { gateway, apiKey } = await gatewayWithKey({
      routes: {},
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' },
      shutdownDrainMs: 5_000,
    });
    const since = await topicEndOffsets(TOPICS.usage);
    // A second, idle keep-alive connection (from the key check above) stays open in the agent.
    mock.enqueue({ chunks: ['one ', 'two ', 'three ', 'four ', 'five'], chunkDelayMs: 300 });
    const response = await stream(gateway, apiKey);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // What SIGTERM does with enableShutdownHooks: Nest's close. The stream is mid-way.
    const closed = gateway.close();
    let text = new TextDecoder().decode(first.value);
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      text += new TextDecoder().decode(part.value);
    }
    // The whole stream reached the client, and the stop finished after it (bounded by the test timeout,
    // far below the keep-alive timeout that would otherwise hold the listener open).
    expect(text).toContain('five');
    expect(text).toContain('data: [DONE]');
    await closed;
    const usage = await usageOf(since, response.headers.get('x-request-id') ?? '');
    expect(usage).toMatchObject({ status: 'ok', streamed: true });
  });

  it('events left by a predecessor in the same volume reach Kafka by the time its successor has stopped', async () => {
    const logDir = join(mkdtempSync(join(tmpdir(), 'pgw-spill-claim-')), 'gateway-pod-0');
    const since = await topicEndOffsets(TOPICS.usage);
    const marker = uniqueId('spilled');
    // The predecessor: Kafka unreachable, its events stay in its event log on "the claim".
    const quiet = () => undefined;
    const before = new KafkaEventBus({
      brokers: ['127.0.0.1:1'],
      clientId: uniqueId('gone'),
      logDir,
      logger: quiet,
    });
    before.publish(
      TOPICS.usage,
      // Markers, not usage events: the test follows bytes through the event log, not the contract.
      Array.from({ length: 50 }, (_, i) => ({
        key: marker,
        value: uncheckedEncoded(JSON.stringify({ marker, i })),
      })),
    );
    await waitFor(() => before.health().spilled === 50, { description: 'events in the log' });
    await before.close();
    // The successor (same pod name, same claim) starts with Kafka back and is stopped at once.
    const bus = new KafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: uniqueId('back'),
      logDir,
      logger: quiet,
    });
    const successor = await startGateway(
      { routes: {}, defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' }, shutdownDrainMs: 10_000 },
      bus,
    );
    await successor.close();
    const replayed = (await readTopicSince(TOPICS.usage, since)).filter((m) => m.key === marker);
    expect(new Set(replayed.map((m) => (JSON.parse(m.value ?? '{}') as { i: number }).i)).size).toBe(50);
  });
});
