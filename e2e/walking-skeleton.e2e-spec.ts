import OpenAI from 'openai';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TOPICS, costMicros, DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS } from '@pgw/contracts';
import { defaultPolicyConfig } from '@pgw/policy-engine';
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
import { freePort, ServiceProcess } from './support/service-process';

/**
 * The whole product, for real: the four services as separate processes, the real Kafka broker, a real
 * Postgres database, and the official OpenAI client that only had its baseURL and apiKey changed.
 */
describe('end to end: a completion through the four services', () => {
  const adminToken = `e2e-admin-${randomUUID()}`;
  const canary = `CANARY-${randomUUID()}`;
  const upstreamContent = 'The capital of France is Paris.';
  let db: TestDatabase;
  let sql: Client;
  let mock: MockUpstream;
  let services: ServiceProcess[] = [];
  let policy: ServiceProcess;
  let gateway: ServiceProcess;
  let projectId: string;
  let apiKey: string;
  // Where every topic ended before this run produced anything: the canary check reads all since then.
  const topicStart = new Map<string, PartitionOffsets>();

  const admin = async (path: string, body?: unknown) => {
    const response = await fetch(`${policy.url}/admin/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };

  beforeAll(async () => {
    for (const topic of Object.values(TOPICS)) topicStart.set(topic, await topicEndOffsets(topic));
    db = await createTestDatabase('e2e');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    mock = await MockUpstream.start();
    mock.setDefault({ content: upstreamContent, usage: { prompt_tokens: 17, completion_tokens: 9 } });
    const common = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      ADMIN_TOKEN: adminToken,
    };
    // Own consumer groups, so no other test's consumer shares (and takes) this run's partitions. They
    // start at the topic end: the shared broker may hold GBs of events that this run has no use for.
    const group = { KAFKA_CONSUMER_GROUP: `e2e-${randomUUID()}` };
    const keyUsageGroup = `e2e-keys-${randomUUID()}`;
    await startAtTopicEnd(`${group.KAFKA_CONSUMER_GROUP}.${TOPICS.decisions}`, TOPICS.decisions); // audit
    await startAtTopicEnd(`${group.KAFKA_CONSUMER_GROUP}.${TOPICS.usage}`, TOPICS.usage); // billing
    await startAtTopicEnd(keyUsageGroup, TOPICS.usage); // policy's key-last-used tracker
    policy = new ServiceProcess('policy', await freePort(), {
      ...common,
      KEY_USAGE_CONSUMER_GROUP: keyUsageGroup,
    });
    const audit = new ServiceProcess('audit', await freePort(), { ...common, ...group });
    const billing = new ServiceProcess('billing', await freePort(), { ...common, ...group });
    services = [policy, audit, billing];
    await Promise.all(services.map((service) => service.waitUntilReady()));
    gateway = new ServiceProcess('gateway', await freePort(), {
      KAFKA_BROKERS: common.KAFKA_BROKERS,
      UPSTREAM_BASE_URL: mock.baseUrl,
      UPSTREAM_API_KEY: 'upstream-secret',
      SPILL_DIR: `tmp/e2e-spill-${randomUUID()}`,
    });
    services.push(gateway);
    await gateway.waitUntilReady();

    const project = await admin('/projects', {
      name: `e2e-${randomUUID()}`,
      allowed_models: ['gpt-4o-mini'],
    });
    projectId = String(project.id);
    await admin(`/projects/${projectId}/policies`, { config: defaultPolicyConfig(), message: 'e2e policy' });
    apiKey = String((await admin(`/projects/${projectId}/keys`, { name: 'e2e' })).key);
    // The key and policy reach the gateway over the compacted state topics.
    await waitFor(
      async () => {
        const response = await fetch(`${gateway.url}/v1/models`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        return response.status === 200;
      },
      { description: 'the gateway to learn the new key' },
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await mock?.close();
    await sql?.end();
    await db?.drop();
  });

  it('answers through the gateway, records one decision per target and one usage row, and stores no text', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Remember ${canary}. What is the capital of France?` }],
    });
    expect(completion.choices[0].message.content).toBe(upstreamContent);
    expect(completion.usage).toMatchObject({ prompt_tokens: 17, completion_tokens: 9, total_tokens: 26 });
    // The provider saw the prompt (nothing in it needed redaction) with the gateway's upstream key.
    expect(mock.requests.at(-1)?.headers.authorization).toBe('Bearer upstream-secret');

    const decisions = await waitFor(
      async () => {
        const { rows } = await sql.query(
          `SELECT * FROM audit.decisions WHERE policy_project_id = $1 ORDER BY policy_target`,
          [projectId],
        );
        return rows.length >= 2 ? rows : null;
      },
      { timeoutMs: 20_000, description: 'two audit rows' },
    );
    expect(decisions).toHaveLength(2);
    expect(decisions.map((row) => row.policy_target)).toEqual(['input', 'output']);
    for (const row of decisions) {
      expect(row).toMatchObject({
        decision: 'allow',
        reason_code: 'allowed',
        rollout_mode: 'enforce',
        enforced: true,
        policy_project_id: projectId,
        allowlist_hits: 0,
        denylist_hits: 0,
        model: 'gpt-4o-mini',
        policy_user: null,
      });
      expect(row.triggered_categories).toEqual([]);
      expect(row.policy_id).toEqual(expect.any(String));
      expect(row.request_id).toBe(decisions[0].request_id);
    }

    const usage = await waitFor(
      async () => {
        const { rows } = await sql.query(`SELECT * FROM billing.usage_events WHERE project_id = $1`, [
          projectId,
        ]);
        return rows.length >= 1 ? rows : null;
      },
      { timeoutMs: 20_000, description: 'one usage row' },
    );
    expect(usage).toHaveLength(1);
    expect(Number(usage[0].input_tokens)).toBe(17);
    expect(Number(usage[0].output_tokens)).toBe(9);
    expect(Number(usage[0].total_tokens)).toBe(26);
    expect(Number(usage[0].cost_micros)).toBe(costMicros(26, DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS));
    expect(usage[0].key_id).toBe(apiKey.split('_')[1]);
    expect(usage[0].status).toBe('ok');

    // The policy service follows usage events too: the key now says when it was last used.
    const keyId = apiKey.split('_')[1];
    const lastUsed = await waitFor(
      async () => {
        const key = await admin(`/projects/${projectId}/keys/${keyId}`);
        return (key.last_used_at as string | null) ?? null;
      },
      { timeoutMs: 20_000, description: "the key's last_used_at" },
    );
    expect(Date.parse(lastUsed)).toBe(new Date(usage[0].started_at).getTime());

    // The canary from the prompt is nowhere: no table row, no topic message, no log line.
    const { rows: tables } = await sql.query(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_schema IN ('policy', 'audit', 'billing') AND table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const { table_schema, table_name } of tables) {
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n FROM "${table_schema}"."${table_name}" t WHERE t::text LIKE $1`,
        [`%${canary}%`],
      );
      expect({ table: `${table_schema}.${table_name}`, n: rows[0].n }).toEqual({
        table: `${table_schema}.${table_name}`,
        n: 0,
      });
    }
    for (const topic of Object.values(TOPICS)) {
      const start = topicStart.get(topic);
      if (start === undefined) throw new Error(`no start offsets captured for ${topic}`);
      const messages = await readTopicSince(topic, start);
      expect(messages.filter((m) => m.value?.includes(canary) || m.key?.includes(canary))).toEqual([]);
      // The read covers this run: the request's own events are in it.
      if (topic === TOPICS.decisions || topic === TOPICS.usage) {
        expect(messages.filter((m) => m.key === projectId).length).toBeGreaterThanOrEqual(
          topic === TOPICS.decisions ? 2 : 1,
        );
      }
    }
    for (const service of services) expect(service.logs).not.toContain(canary);
  });

  it('serves the Responses and Embeddings APIs through the same path: audit rows name the endpoint, usage is billed', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: `Remember ${canary}.` });
    expect(response.output_text).toBe(upstreamContent);
    let streamed = '';
    for await (const event of await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'again',
      stream: true,
    })) {
      if (event.type === 'response.output_text.delta') streamed += event.delta;
    }
    expect(streamed).toBe(upstreamContent);
    expect((await client.responses.retrieve(response.id)).id).toBe(response.id);
    const embedding = await client.embeddings.create({ model: 'gpt-4o-mini', input: `about ${canary}` });
    expect(embedding.data).toHaveLength(1);

    const rows = await waitFor(
      async () => {
        const { rows } = await sql.query(
          `SELECT policy_target, decision, request_id FROM audit.decisions
            WHERE policy_project_id = $1 AND policy_target <> 'input' AND policy_target <> 'output'`,
          [projectId],
        );
        // create and stream: input + output each; retrieve: output; embeddings: input.
        return rows.length >= 6 ? rows : null;
      },
      { timeoutMs: 20_000, description: 'audit rows of the Responses and Embeddings calls' },
    );
    const targets = rows.map((row) => row.policy_target as string).sort();
    expect(targets).toEqual([
      'embeddings.input',
      'responses.input',
      'responses.input',
      'responses.output',
      'responses.output',
      'responses.output',
    ]);
    const usage = await waitFor(
      async () => {
        const { rows } = await sql.query(
          `SELECT input_tokens, output_tokens, status FROM billing.usage_events WHERE project_id = $1`,
          [projectId],
        );
        return rows.length >= 5 ? rows : null; // the chat completion above, 2 creates, 1 retrieve, 1 embedding
      },
      { timeoutMs: 20_000, description: 'usage rows of the Responses and Embeddings calls' },
    );
    expect(
      usage.filter((row) => Number(row.input_tokens) === 17 && Number(row.output_tokens) === 9),
    ).toHaveLength(3);
    expect(
      usage.filter((row) => Number(row.input_tokens) === 17 && Number(row.output_tokens) === 0),
    ).toHaveLength(1);
    const { rows: leaked } = await sql.query(
      `SELECT count(*)::int AS n FROM audit.decisions t WHERE t::text LIKE $1`,
      [`%${canary}%`],
    );
    expect(leaked[0].n).toBe(0);
  });

  it('answers client mistakes with OpenAI-shaped errors, never a 500', async () => {
    const post = (path: string, body: string, key: string | null = apiKey) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
    const cases: [Response, number, string | null][] = [
      [await post('/v1/chat/completions', '{}', null), 401, null],
      [await post('/v1/chat/completions', '{}', 'pgw_nosuchkey0000_aaaaaaaaaaaaaaaaaaaaaaaaaaaa'), 401, null],
      [await post('/chat/completions', '{}'), 404, null],
      [await post('/v1/chat/completions', JSON.stringify({ messages: [] })), 400, 'model'],
      [
        await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: 'hi' })),
        400,
        'messages',
      ],
      [await post('/v1/chat/completions', '{"model": "gpt-4o-mini", '), 400, null],
    ];
    for (const [response, status, param] of cases) {
      expect(response.status).toBe(status);
      const body = (await response.json()) as {
        error: { message: string; type: string; param: string | null; code: unknown };
      };
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      if (param) expect(body.error.param).toBe(param);
      if (status === 404) expect(body.error.message).toMatch(/\/v1/);
    }
  });

  it('propagates admin changes to the running gateway within a second, and keeps serving without the policy service', async () => {
    const client = (key: string) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const ask = (key: string) =>
      client(key).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'please mention zanzibarquux' }],
      });
    const withinOneSecond = (description: string, probe: () => Promise<boolean>) =>
      waitFor(probe, { timeoutMs: 1_000, intervalMs: 10, description });
    const outcome = (key: string) =>
      ask(key).then(
        () => 'ok',
        (error: unknown) => (error instanceof OpenAI.APIError ? error.status : 'other'),
      );

    // Activate a policy that blocks the term: enforced within 1 s.
    const blocking = {
      version: 1,
      rules: [
        {
          id: 'no-quux',
          category: 'denylist.e2e',
          target: 'input',
          action: 'block',
          terms: ['zanzibarquux'],
        },
      ],
    };
    expect(await outcome(apiKey)).toBe('ok');
    const created = await admin(`/projects/${projectId}/policies`, {
      config: blocking,
      message: 'block quux',
    });
    await withinOneSecond('the new policy to block', async () => (await outcome(apiKey)) === 403);
    await expect(ask(apiKey)).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);

    // Roll back to the first revision: the earlier behaviour is back within 1 s.
    expect(Number(created.revision)).toBeGreaterThan(1);
    await admin(`/projects/${projectId}/policies/rollback`, { revision: 1, message: 'undo' });
    await withinOneSecond('the rollback', async () => (await outcome(apiKey)) === 'ok');

    // Another project's key never reaches this project's audit data.
    const other = await admin('/projects', {
      name: `e2e-other-${randomUUID()}`,
      allowed_models: ['gpt-4o-mini'],
    });
    const otherKey = String((await admin(`/projects/${String(other.id)}/keys`, { name: 'other' })).key);
    const auditUrl = services[1].url;
    // 401 until audit has learned the new key; then 403: a key only ever reads its own project.
    const crossReadStatus = () =>
      fetch(`${auditUrl}/admin/v1/audit/decisions?project_id=${projectId}`, {
        headers: { authorization: `Bearer ${otherKey}` },
      }).then((response) => response.status);
    await waitFor(async () => (await crossReadStatus()) === 403, {
      description: 'a refused cross-project read',
    });
    const ownRead = await fetch(`${auditUrl}/admin/v1/audit/decisions?project_id=${String(other.id)}`, {
      headers: { authorization: `Bearer ${otherKey}` },
    });
    expect(ownRead.status).toBe(200);
    expect(((await ownRead.json()) as { data: unknown[] }).data).toEqual([]);

    // Revoke: the gateway answers 401 within 1 s.
    const spare = await admin(`/projects/${projectId}/keys`, { name: 'spare' });
    const spareKey = String(spare.key);
    await withinOneSecond('the spare key to work', async () => (await outcome(spareKey)) === 'ok');
    await admin(`/projects/${projectId}/keys/${String(spare.id)}/revoke`, {});
    await withinOneSecond('the revocation', async () => (await outcome(spareKey)) === 401);
    await expect(ask(spareKey)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    // The policy service goes away: the gateway keeps serving on its last-known state.
    await policy.stop();
    expect(await outcome(apiKey)).toBe('ok');
    expect(await outcome(spareKey)).toBe(401);
  });
});
