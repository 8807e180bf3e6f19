import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  formatProjectKey,
  hashKeySecret,
  TOPICS,
  type KeyStateRecord,
  type ProjectStateRecord,
} from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import {
  MockUpstream,
  readTopicSince,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
} from '@pgw/testing';
import { freePort, repoRoot, ServiceProcess } from './support/service-process';

/**
 * The short variant of the chaos suite's two kill cases (scripts/chaos runs the long ones with audit,
 * billing and an own broker): every request answered 200 before a `kill -9` has its events on Kafka.
 */
describe('crash safety: acknowledged events survive kill -9', () => {
  let mock: MockUpstream;
  let seedBus: KafkaEventBus;

  beforeAll(async () => {
    mock = await MockUpstream.start({ recordRequests: false });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `crash-seed-${randomUUID()}` });
  });

  afterAll(async () => {
    await seedBus?.close();
    await mock?.close();
  });

  async function seedKey(): Promise<{ projectId: string; apiKey: string }> {
    const projectId = `crash-${randomUUID()}`;
    const project: ProjectStateRecord = {
      project_id: projectId,
      name: 'crash test',
      plan: 'enterprise',
      default_rollout_mode: 'enforce',
      allowed_models: [],
      limits: { requests_per_minute: null, tokens_per_minute: null },
      key_limits: { requests_per_minute: null, tokens_per_minute: null },
      monthly_budget_micros: null,
      budget_soft_alert_percent: 80,
      audit_retention_days: 30,
      updated_at: new Date().toISOString(),
    };
    const secret = randomBytes(24).toString('base64url');
    const key: KeyStateRecord = {
      key_id: randomBytes(6).toString('hex'),
      project_id: projectId,
      secret_hash: hashKeySecret(secret),
      status: 'active',
      allowed_models: null,
      limits: null,
      expires_at: null,
      updated_at: new Date().toISOString(),
    };
    await seedBus.publishAndWait(TOPICS.projectState, [{ key: projectId, value: JSON.stringify(project) }]);
    await seedBus.publishAndWait(TOPICS.keyState, [{ key: key.key_id, value: JSON.stringify(key) }]);
    return { projectId, apiKey: formatProjectKey(key.key_id, secret) };
  }

  it('gateway kill -9 with Kafka up: every 200 has its decisions and usage event; no 401 while restarting', async () => {
    const since = new Map<string, PartitionOffsets>();
    for (const topic of [TOPICS.decisions, TOPICS.usage]) since.set(topic, await topicEndOffsets(topic));
    const { projectId, apiKey } = await seedKey();
    const env = {
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      UPSTREAM_BASE_URL: mock.baseUrl,
      UPSTREAM_API_KEY: 'k',
      SPILL_DIR: mkdtempSync(join(tmpdir(), 'pgw-crash-')),
      INSTANCE_ID: 'crash-test',
    };
    const port = await freePort();
    let gateway = new ServiceProcess('gateway', port, env);
    const statuses = new Map<string, number | 'connection'>();
    let n = 0;
    const fire = () => {
      const id = `${projectId}-${n++}`;
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'x-request-id': id,
        },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          statuses.set(id, response.status);
        },
        () => statuses.set(id, 'connection'),
      );
    };
    try {
      await gateway.waitUntilReady();
      await waitFor(
        async () =>
          (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } }))
            .status === 200,
        { description: 'the key known to the gateway' },
      );
      const load = setInterval(fire, 5); // ~200 requests/s
      await waitFor(() => [...statuses.values()].filter((s) => s === 200).length >= 200, {
        description: '200 answered requests',
      });
      await gateway.kill9();
      gateway = new ServiceProcess('gateway', port, env); // same log directory and instance id
      await gateway.waitUntilReady();
      const answeredAfter = () => [...statuses.values()].filter((s) => s === 200).length;
      const before = answeredAfter();
      await waitFor(() => answeredAfter() >= before + 100, { description: 'served again' });
      clearInterval(load);
      await waitFor(() => statuses.size === n, { description: 'every request answered or failed' });
    } finally {
      await gateway.stop();
    }
    const counts = [...statuses.values()];
    expect(counts.filter((s) => s === 401)).toEqual([]); // a valid key is never refused while restarting
    const acknowledged = [...statuses].filter(([, s]) => s === 200).map(([id]) => id);
    const eventsOf = async (topic: string) =>
      (await readTopicSince(topic, since.get(topic)!))
        .filter((m) => m.key === projectId && m.value)
        .map((m) => JSON.parse(m.value as string) as { payload: { request_id: string } });
    await waitFor(
      async () => {
        const usage = new Set((await eventsOf(TOPICS.usage)).map((e) => e.payload.request_id));
        return acknowledged.every((id) => usage.has(id));
      },
      { timeoutMs: 30_000, description: 'a usage event for every acknowledged request' },
    );
    const decisions = new Map<string, number>();
    for (const event of await eventsOf(TOPICS.decisions)) {
      decisions.set(event.payload.request_id, (decisions.get(event.payload.request_id) ?? 0) + 1);
    }
    expect(acknowledged.filter((id) => (decisions.get(id) ?? 0) < 2)).toEqual([]);
  }, 120_000);

  it('kill -9 while Kafka is unreachable: every event published before the kill is replayed from the log', async () => {
    const run = randomUUID();
    const logDir = mkdtempSync(join(tmpdir(), 'pgw-crash-log-'));
    const since = await topicEndOffsets(TOPICS.deadLetter);
    // A topic nothing consumes in this test run's services: the dead-letter topic.
    const child = spawn(
      process.execPath,
      [resolve(repoRoot, 'e2e/support/logging-publisher.js'), '127.0.0.1:1', logDir, TOPICS.deadLetter, run],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const exited = new Promise((done) => child.once('exit', done));
    await waitFor(() => printed.split('\n').length > 500, { description: '500 events published' });
    child.kill('SIGKILL');
    await exited;
    const acknowledged = printed.split('\n').filter((line) => line.startsWith(`${run}:`));
    const replayer = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `replay-${run}`, logDir });
    try {
      await waitFor(() => replayer.health().spilled === 0, { timeoutMs: 30_000, description: 'the replay' });
    } finally {
      await replayer.close();
    }
    const onTopic = (await readTopicSince(TOPICS.deadLetter, since))
      .filter((m) => m.key === run)
      .map((m) => (JSON.parse(m.value as string) as { event_id: string }).event_id);
    const seen = new Set(onTopic);
    expect(acknowledged.filter((id) => !seen.has(id))).toEqual([]);
    expect(onTopic.length).toBe(seen.size); // none twice
    // In the order they were published.
    expect(onTopic.slice(0, acknowledged.length)).toEqual(acknowledged);
  }, 60_000);
});
