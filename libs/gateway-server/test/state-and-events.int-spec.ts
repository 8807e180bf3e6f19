import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
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
import { GatewayStateStore } from '../src';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';
import { AWS_KEY, BLOCKED_TERM, blockTerm, redactSecretsAndEmails } from './support/policies';
import { SplitBus } from './support/split-bus';

const DECISION_FIELDS = [
  'event_id',
  'request_id',
  'decision',
  'reason_code',
  'triggered_categories',
  'rollout_mode',
  'enforced',
  'policy_id',
  'policy_user',
  'policy_project_id',
  'policy_target',
  'allowlist_hits',
  'denylist_hits',
  'model',
  'created_at',
].sort();

describe('gateway: state from Kafka, events to Kafka', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;
  // Where the event topics ended before this file started: every event it looks for is one it caused.
  const eventsStart = new Map<string, PartitionOffsets>();

  async function readSinceStart(topic: string) {
    const start = eventsStart.get(topic);
    if (start === undefined) throw new Error(`no start offsets captured for ${topic}`);
    return readTopicSince(topic, start);
  }

  async function eventsOf<T>(topic: string, projectId: string): Promise<EventEnvelope<string, T>[]> {
    return (await readSinceStart(topic))
      .filter((m) => m.key === projectId && m.value)
      .map((m) => JSON.parse(m.value as string) as EventEnvelope<string, T>);
  }

  beforeAll(async () => {
    for (const topic of [TOPICS.decisions, TOPICS.usage])
      eventsStart.set(topic, await topicEndOffsets(topic));
    mock = await MockUpstream.start();
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
    gateway = await startGateway({ routes: {}, defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await seedBus?.close();
    await mock?.close();
  });

  async function readyClient(apiKey: string, url = gateway.url) {
    const openai = new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
    await waitFor(
      () =>
        openai.models.list().then(
          () => true,
          () => false,
        ),
      { description: 'key known to the gateway' },
    );
    return openai;
  }

  it('revoking a key takes effect within 1 s', async () => {
    const project = await seed.project();
    const { record, apiKey } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey);
    await seed.publishKey({ ...record, status: 'revoked', updated_at: new Date().toISOString() });
    await waitFor(
      () =>
        openai.models.list().then(
          () => false,
          (e: unknown) => e instanceof OpenAI.AuthenticationError,
        ),
      { timeoutMs: 1_000, description: '401 after revocation' },
    );
  });

  it('an activated policy is enforced within 1 s', async () => {
    const project = await seed.project();
    const { apiKey } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey);
    const ask = () =>
      openai.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: `about ${BLOCKED_TERM}` }],
      });
    await expect(ask()).resolves.toBeDefined();
    await seed.policy(project.project_id, blockTerm());
    await waitFor(
      () =>
        ask().then(
          () => false,
          (e: unknown) => e instanceof OpenAI.PermissionDeniedError,
        ),
      {
        timeoutMs: 1_000,
        description: 'block after activation',
      },
    );
  });

  it('emits one decision per target and one usage event per request, with metadata only', async () => {
    const project = await seed.project();
    await seed.policy(project.project_id, redactSecretsAndEmails());
    const { apiKey, record: key } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey);
    const prompt = `here is ${AWS_KEY}`;
    const response = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: prompt }], user: 'alice' })
      .withResponse();
    const requestId = response.response.headers.get('x-request-id');
    const decisions = await waitFor(async () => {
      const all = (await eventsOf<DecisionPayload>(TOPICS.decisions, project.project_id)).filter(
        (e) => e.payload.request_id === requestId,
      );
      return all.length === 2 ? all : null;
    });
    const input = decisions.find((d) => d.payload.policy_target === 'input')!;
    expect(input.payload).toMatchObject({
      decision: 'redact',
      enforced: true,
      rollout_mode: 'enforce',
      policy_user: 'alice',
      policy_project_id: project.project_id,
      model: 'm',
    });
    for (const decision of decisions) {
      expect(Object.keys(decision.payload).sort()).toEqual(DECISION_FIELDS);
      expect(decision.event_id).toBe(decision.payload.event_id);
      expect(JSON.stringify(decision)).not.toContain(AWS_KEY);
    }
    const usage = await waitFor(async () =>
      (await eventsOf<UsagePayload>(TOPICS.usage, project.project_id)).find(
        (e) => e.payload.request_id === requestId,
      ),
    );
    expect(usage.payload).toMatchObject({
      key_id: key.key_id,
      status: 'ok',
      http_status: 200,
      usage_estimated: false,
    });
    expect(usage.payload.total_tokens).toBe(usage.payload.input_tokens + usage.payload.output_tokens);
    expect(JSON.stringify(usage)).not.toContain(AWS_KEY);
  });

  it('shadow mode evaluates and records, but never alters traffic', async () => {
    const project = await seed.project();
    await seed.policy(project.project_id, blockTerm(), { rollout_mode: 'shadow' });
    const { apiKey } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey);
    const response = await openai.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: `about ${BLOCKED_TERM}` }] })
      .withResponse();
    expect(response.data.choices).toHaveLength(1);
    const requestId = response.response.headers.get('x-request-id');
    const input = await waitFor(async () =>
      (await eventsOf<DecisionPayload>(TOPICS.decisions, project.project_id)).find(
        (e) => e.payload.request_id === requestId && e.payload.policy_target === 'input',
      ),
    );
    expect(input.payload).toMatchObject({ decision: 'block', rollout_mode: 'shadow', enforced: false });
  });

  it('a canary enforces on a stable share of users', async () => {
    const project = await seed.project();
    await seed.policy(project.project_id, blockTerm(), { rollout_mode: 'canary', canary_percent: 50 });
    const { apiKey } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey);
    const outcomes = new Map<string, boolean>();
    for (let i = 0; i < 20; i++) {
      const user = `user-${i}`;
      for (let repeat = 0; repeat < 2; repeat++) {
        const blocked = await openai.chat.completions
          .create({ model: 'm', messages: [{ role: 'user', content: BLOCKED_TERM }], user })
          .then(
            () => false,
            () => true,
          );
        if (outcomes.has(user)) expect(outcomes.get(user)).toBe(blocked);
        outcomes.set(user, blocked);
      }
    }
    const blocked = [...outcomes.values()].filter(Boolean).length;
    expect(blocked).toBeGreaterThan(0);
    expect(blocked).toBeLessThan(20);
  });

  it('an exhausted budget answers 429 budget_exceeded without calling the upstream', async () => {
    const project = await seed.project({ monthly_budget_micros: 1_000_000 });
    const { apiKey } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey);
    const quotas = gateway.app.get(GatewayStateStore).quotas;
    // Billing services of other test files follow the shared project-state topic and publish their own
    // (not exhausted) quota record for every project they see, this one included. So the exhausted record
    // is published until the gateway holds it, and each attempt checks the upstream saw nothing meanwhile.
    await waitFor(
      async () => {
        await seed.quota(project.project_id, {
          spent_micros: 1_000_000,
          limit_micros: 1_000_000,
          exhausted: true,
        });
        await waitFor(() => quotas.get(project.project_id)?.exhausted === true, {
          description: 'the exhausted quota applied',
        });
        const upstreamCallsBefore = mock.requests.length;
        const error = await openai.chat.completions
          .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
          .then(
            () => null,
            (e: unknown) => e,
          );
        if (quotas.get(project.project_id)?.exhausted !== true) return false; // overwritten meanwhile: retry
        expect(error).toBeInstanceOf(OpenAI.RateLimitError);
        expect((error as { code?: string }).code).toBe('budget_exceeded');
        expect(mock.requests.length).toBe(upstreamCallsBefore);
        return true;
      },
      { description: 'budget_exceeded while the exhausted quota is held' },
    );
  });

  it('loses no event while Kafka is away: kept in the local log, replayed with the original ids', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'pgw-log-'));
    const stateBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('gwstate') });
    const deadBus = new KafkaEventBus({
      brokers: ['127.0.0.1:1'],
      clientId: uniqueId('gwdead'),
      logDir,
      logger: () => undefined,
    });
    const offline = await startGateway(
      { routes: {}, defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' } },
      new SplitBus(stateBus, deadBus),
    );
    const project = await seed.project();
    const { apiKey } = await seed.key(project.project_id);
    const openai = await readyClient(apiKey, offline.url);
    for (let i = 0; i < 5; i++) {
      await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `q${i}` }] });
    }
    // Requests did not wait on Kafka; the events are in the local log and the gateway stays ready.
    await waitFor(() => deadBus.health().spilled > 0, { description: 'events in the log' });
    expect((await fetch(`${offline.url}/readyz`)).status).toBe(200);
    await offline.close();
    const spilledIds = readdirSync(logDir)
      .filter((name) => name.endsWith('.wal'))
      .map((name) => readFileSync(join(logDir, name), 'utf8'))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(JSON.parse(line).value).event_id as string)
      .filter(Boolean);
    expect(spilledIds).toHaveLength(5 * 3); // 5 × (input decision + output decision + usage)
    // Kafka is "back": a new bus on the real broker replays the file.
    const replayer = new KafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: uniqueId('gwreplay'),
      logDir,
    });
    try {
      await waitFor(() => replayer.health().spilled === 0, { description: 'log replayed' });
      const onTopics = new Set(
        [...(await readSinceStart(TOPICS.decisions)), ...(await readSinceStart(TOPICS.usage))]
          .filter((m) => m.key === project.project_id && m.value)
          .map((m) => (JSON.parse(m.value as string) as { event_id: string }).event_id),
      );
      expect(spilledIds.filter((id) => !onTopics.has(id))).toEqual([]);
    } finally {
      await replayer.close();
    }
  });

  it('a response ends only once its events are in the local log (durable before acknowledged)', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'pgw-log-'));
    const stateBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('gwstate') });
    // An unreachable broker: nothing is acknowledged, so the log keeps every event it took.
    const deadBus = new KafkaEventBus({
      brokers: ['127.0.0.1:1'],
      clientId: uniqueId('gwdead'),
      logDir,
      logger: () => undefined,
    });
    const offline = await startGateway(
      { routes: {}, defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' } },
      new SplitBus(stateBus, deadBus),
    );
    const logLinesNaming = (requestId: string) =>
      readdirSync(logDir)
        .filter((name) => name.endsWith('.wal'))
        .flatMap((name) => readFileSync(join(logDir, name), 'utf8').split('\n'))
        .filter((line) => line.includes(requestId)).length;
    // When the gateway ends a response, how many of that request's events the log already holds.
    const loggedAtEnd = new Map<string, number>();
    offline.app.getHttpServer().prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const requestId = req.headers['x-request-id'];
      if (typeof requestId !== 'string') return;
      const end = res.end;
      res.end = function observedEnd(this: ServerResponse, ...args: unknown[]) {
        if (!loggedAtEnd.has(requestId)) loggedAtEnd.set(requestId, logLinesNaming(requestId));
        return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as ServerResponse['end'];
    });
    try {
      const project = await seed.project();
      const { apiKey } = await seed.key(project.project_id);
      const openai = await readyClient(apiKey, offline.url);
      const unary = `durable-${randomUUID()}`;
      const streamed = `durable-${randomUUID()}`;
      await openai.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'q' }] },
        { headers: { 'x-request-id': unary } },
      );
      const stream = await openai.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'q' }], stream: true },
        { headers: { 'x-request-id': streamed } },
      );
      for await (const chunk of stream) void chunk;
      // Input decision, output decision and usage: all three in the log before the response ended.
      expect(Object.fromEntries(loggedAtEnd)).toEqual({ [unary]: 3, [streamed]: 3 });
    } finally {
      await offline.close();
    }
  });
});
