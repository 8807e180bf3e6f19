import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { TOPICS } from '@pgw/contracts';
import {
  createTestDatabase,
  MockUpstream,
  readTopicSince,
  startAtTopicEnd,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
  type TestDatabase,
} from '@pgw/testing';
import { Canaries, canaryPolicy, driveCanaryTraffic, readTree } from './support/canary-traffic';
import { freePort, repoRoot, ServiceProcess } from './support/service-process';

/**
 * Issue 15's canary run, distributed: the four services as processes on the real Kafka and Postgres (and
 * Redis for limits). Every field of every path carries its own canary; afterwards every table of every
 * schema, every topic since the run began, every service's log, the spill directory, Redis, /metrics,
 * the audit export and an attestation hold none of them, except `user` as policy_user where the docs allow it.
 */
describe('canary: no client or provider text kept anywhere (distributed)', () => {
  const adminToken = `e2e-admin-${randomUUID()}`;
  const spillDir = resolve(repoRoot, 'tmp', `canary-spill-${randomUUID()}`);
  const canaries = new Canaries();
  const topicStart = new Map<string, PartitionOffsets>();
  let db: TestDatabase;
  let sql: Client;
  let mock: MockUpstream;
  let services: ServiceProcess[] = [];
  let policy: ServiceProcess;
  let audit: ServiceProcess;
  let gateway: ServiceProcess;

  const admin = async (service: ServiceProcess, path: string, body?: unknown) => {
    const response = await fetch(`${service.url}/admin/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
    return text;
  };

  beforeAll(async () => {
    for (const topic of Object.values(TOPICS)) topicStart.set(topic, await topicEndOffsets(topic));
    db = await createTestDatabase('canary');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    mock = await MockUpstream.start();
    const common = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      ADMIN_TOKEN: adminToken,
    };
    const group = { KAFKA_CONSUMER_GROUP: `canary-${randomUUID()}` };
    const keyUsageGroup = `canary-keys-${randomUUID()}`;
    await startAtTopicEnd(`${group.KAFKA_CONSUMER_GROUP}.${TOPICS.decisions}`, TOPICS.decisions);
    await startAtTopicEnd(`${group.KAFKA_CONSUMER_GROUP}.${TOPICS.usage}`, TOPICS.usage);
    await startAtTopicEnd(keyUsageGroup, TOPICS.usage);
    policy = new ServiceProcess('policy', await freePort(), {
      ...common,
      KEY_USAGE_CONSUMER_GROUP: keyUsageGroup,
    });
    audit = new ServiceProcess('audit', await freePort(), { ...common, ...group });
    const billing = new ServiceProcess('billing', await freePort(), { ...common, ...group });
    services = [policy, audit, billing];
    await Promise.all(services.map((service) => service.waitUntilReady()));
    gateway = new ServiceProcess('gateway', await freePort(), {
      KAFKA_BROKERS: common.KAFKA_BROKERS,
      UPSTREAM_BASE_URL: mock.baseUrl,
      UPSTREAM_API_KEY: 'upstream-secret',
      SPILL_DIR: spillDir,
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    services.push(gateway);
    await gateway.waitUntilReady();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await mock?.close();
    await sql?.end();
    await db?.drop();
    rmSync(spillDir, { recursive: true, force: true });
  });

  it('keeps no canary from any field of any path, except user as policy_user', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const project = JSON.parse(
      await admin(policy, '/projects', {
        name: `canary-${randomUUID()}`,
        plan: 'enterprise',
        allowed_models: ['gpt-4o-mini'],
      }),
    ) as { id: string };
    const projectId = project.id;
    await admin(policy, `/projects/${projectId}/policies`, {
      config: canaryPolicy(canaries.inputBlock, canaries.outputBlock),
      message: 'canary policy',
    });
    const apiKey = (
      JSON.parse(await admin(policy, `/projects/${projectId}/keys`, { name: 'canary' })) as { key: string }
    ).key;
    await waitFor(
      async () =>
        (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } }))
          .status === 200,
      { description: 'the gateway to learn the key' },
    );

    const run = await driveCanaryTraffic(gateway.url, apiKey, mock, canaries);
    // Every request that reached the policy has its decision rows (none dead-lettered); the unknown model
    // was refused before it (run.decisions counts the rows each path produces).
    const decisions = await waitFor(
      async () => {
        const { rows } = await sql.query(`SELECT * FROM audit.decisions WHERE policy_project_id = $1`, [
          projectId,
        ]);
        return rows.length >= run.decisions ? rows : null;
      },
      { timeoutMs: 30_000, description: 'the decision rows of the canary run' },
    );
    expect(new Set(decisions.map((row) => row.request_id)).size).toBe(run.requests - 1);
    // A retrieved stored response (GET, no user field) is the one row without policy_user.
    const withoutUser = decisions.filter((row) => row.policy_user === null);
    expect(withoutUser.map((row) => row.policy_target)).toEqual(['responses.output']);
    expect(decisions.every((row) => row.policy_user === run.user || row.policy_user === null)).toBe(true);
    await waitFor(
      async () => {
        const { rows } = await sql.query(
          `SELECT count(*)::int AS n FROM billing.usage_events WHERE project_id = $1`,
          [projectId],
        );
        return rows[0].n >= run.requests;
      },
      { timeoutMs: 30_000, description: 'the usage rows of the canary run' },
    );
    const to = new Date().toISOString();
    const allowedUser = [run.user];
    const found: Record<string, string[]> = {};
    const check = (where: string, text: string, except: readonly string[] = []) => {
      const hits = canaries.foundIn(text, except);
      if (hits.length > 0) found[where] = hits;
    };

    // Every table of every schema (partitions included).
    const { rows: tables } = await sql.query(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const { table_schema, table_name } of tables) {
      const { rows } = await sql.query(`SELECT t::text AS row FROM "${table_schema}"."${table_name}" t`);
      const isDecisions = table_schema === 'audit' && String(table_name).startsWith('decisions');
      check(
        `${table_schema}.${table_name}`,
        rows.map((r) => r.row).join('\n'),
        isDecisions ? allowedUser : [],
      );
    }
    // Every topic since the run began.
    for (const topic of Object.values(TOPICS)) {
      const messages = await readTopicSince(topic, topicStart.get(topic)!);
      const text = messages.map((m) => `${m.key ?? ''} ${m.value ?? ''}`).join('\n');
      check(`topic ${topic}`, text, topic === TOPICS.decisions ? allowedUser : []);
    }
    // The spill directory, Redis, every service's /metrics and log.
    // The local event log holds decision events (policy_user allowed) until the broker acknowledged them.
    check('spill directory', readTree(spillDir), allowedUser);
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      let redisText = '';
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const type = await redis.type(key);
          redisText += `${key} `;
          if (type === 'string') redisText += `${(await redis.get(key)) ?? ''}\n`;
          else if (type === 'hash') redisText += `${JSON.stringify(await redis.hgetall(key))}\n`;
        }
      } while (cursor !== '0');
      check('redis', redisText);
    } finally {
      redis.disconnect();
    }
    for (const service of services) {
      check(`${service.app} /metrics`, await fetch(`${service.url}/metrics`).then((r) => r.text()));
    }
    // The audit export and a signed attestation over the run.
    check(
      'audit export',
      await admin(audit, `/audit/export?format=jsonl&project_id=${projectId}&from=${from}&to=${to}`),
      allowedUser,
    );
    check('attestation', await admin(audit, '/audit/attestations', { project_id: projectId, from, to }));
    for (const service of services) check(`${service.app} log`, service.logs);

    expect(found).toEqual({});
    // The run did reach the record: the allowed user is in it.
    expect(JSON.stringify(decisions)).toContain(run.user);
  });
});
