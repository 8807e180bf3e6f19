import OpenAI from 'openai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { defaultPolicyConfig } from '@pgw/policy-engine';
import {
  createTestDatabase,
  MockUpstream,
  startSecureTestKafka,
  waitFor,
  type SecureTestKafka,
  type TestDatabase,
} from '@pgw/testing';
import { freePort, ServiceProcess } from './support/service-process';

/**
 * The four services as deployed against a broker that only speaks SASL_SSL (SCRAM-SHA-512, a private CA,
 * the password as a mounted file): a completion through the gateway ends as audit and usage rows. Then
 * each service refuses to start, with one clear line and exit code 1, when the password is wrong or the
 * broker's certificate is not signed by the configured CA.
 */
describe('end to end on a SASL_SSL broker', () => {
  const adminToken = `e2e-admin-${randomUUID()}`;
  let kafka: SecureTestKafka;
  let db: TestDatabase;
  let sql: Client;
  let mock: MockUpstream;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    kafka = startSecureTestKafka();
    db = await createTestDatabase('e2e-sasl');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    mock = await MockUpstream.start();
    mock.setDefault({ content: 'Paris.', usage: { prompt_tokens: 11, completion_tokens: 3 } });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await mock?.close();
    await sql?.end();
    await db?.drop();
    kafka?.stop();
  }, 60_000);

  const start = async (app: string, env: Record<string, string>) => {
    // Own metrics ports too: the defaults (9090-9093) may be taken by another test's services.
    const service = new ServiceProcess(app, await freePort(), {
      ...env,
      METRICS_PORT: String(await freePort()),
    });
    services.push(service);
    return service;
  };
  const serviceEnv = () => ({
    ...kafka.env,
    DATABASE_URL: db.url,
    ADMIN_TOKEN: adminToken,
    // Own groups: the secured broker keeps what earlier runs produced.
    KAFKA_CONSUMER_GROUP: `e2e-sasl-${randomUUID()}`,
    KEY_USAGE_CONSUMER_GROUP: `e2e-sasl-keys-${randomUUID()}`,
  });

  it('serves a completion and records its decisions and usage through the secured broker', async () => {
    const env = serviceEnv();
    const policy = await start('policy', env);
    const others = [await start('audit', env), await start('billing', env)];
    await Promise.all([policy, ...others].map((service) => service.waitUntilReady('/readyz', 120_000)));
    const gateway = await start('gateway', {
      ...kafka.env,
      UPSTREAM_BASE_URL: mock.baseUrl,
      UPSTREAM_API_KEY: 'upstream-secret',
      SPILL_DIR: `tmp/e2e-sasl-spill-${randomUUID()}`,
    });
    await gateway.waitUntilReady('/readyz', 120_000);
    for (const service of [policy, ...others, gateway]) {
      expect(service.logs).toContain(`Kafka over SASL_SSL (scram-sha-512, user ${kafka.username})`);
    }

    const admin = async (path: string, body: unknown) => {
      const response = await fetch(`${policy.url}/admin/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const projectId = String(
      (await admin('/projects', { name: `sasl-${randomUUID()}`, allowed_models: ['gpt-4o-mini'] })).id,
    );
    await admin(`/projects/${projectId}/policies`, { config: defaultPolicyConfig(), message: 'e2e' });
    const apiKey = String((await admin(`/projects/${projectId}/keys`, { name: 'e2e' })).key);
    await waitFor(
      async () =>
        (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } }))
          .status === 200,
      { timeoutMs: 30_000, description: 'the gateway to learn the key over the state topics' },
    );

    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    expect(completion.choices[0].message.content).toBe('Paris.');

    const decisions = await waitFor(
      async () => {
        const { rows } = await sql.query(
          'SELECT policy_target, decision FROM audit.decisions WHERE policy_project_id = $1 ORDER BY policy_target',
          [projectId],
        );
        return rows.length >= 2 ? rows : null;
      },
      { timeoutMs: 30_000, description: 'two audit rows' },
    );
    expect(decisions).toEqual([
      { policy_target: 'input', decision: 'allow' },
      { policy_target: 'output', decision: 'allow' },
    ]);
    const usage = await waitFor(
      async () => {
        const { rows } = await sql.query(
          'SELECT total_tokens, status FROM billing.usage_events WHERE project_id = $1',
          [projectId],
        );
        return rows.length >= 1 ? rows : null;
      },
      { timeoutMs: 30_000, description: 'one usage row' },
    );
    expect(usage.map((row) => ({ total: Number(row.total_tokens), status: row.status }))).toEqual([
      { total: 14, status: 'ok' },
    ]);
  }, 300_000);

  const exitOf = async (service: ServiceProcess) => {
    // Waits for the process to end (kafkajs alone would retry a TLS failure for minutes).
    await waitFor(() => service.exited, { timeoutMs: 30_000, description: `${service.app} to exit` });
    return { app: service.app, code: service.exitCode };
  };

  it('each service exits 1 at start on a wrong password, with a message that holds no secret', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const env = {
      ...serviceEnv(),
      UPSTREAM_BASE_URL: mock.baseUrl,
      KAFKA_SASL_PASSWORD_FILE: '',
      KAFKA_SASL_PASSWORD: wrong,
    };
    const started = await Promise.all(
      ['policy', 'audit', 'billing', 'gateway'].map((app) => start(app, env)),
    );
    const exits = await Promise.all(started.map(exitOf));
    expect(exits).toEqual(started.map((s) => ({ app: s.app, code: 1 })));
    const realPassword = readFileSync(kafka.passwordFile, 'utf8').trim();
    for (const service of started) {
      expect(service.logs).toContain(
        `Kafka refused the SASL SCRAM-SHA-512 login of user "${kafka.username}"`,
      );
      expect(service.logs).not.toContain(wrong);
      expect(service.logs).not.toContain(realPassword);
    }
  }, 120_000);

  it('the gateway exits 1 at start when the broker certificate is not signed by KAFKA_SSL_CA_FILE', async () => {
    const gateway = await start('gateway', {
      ...kafka.env,
      KAFKA_SSL_CA_FILE: kafka.untrustedCaFile,
      UPSTREAM_BASE_URL: mock.baseUrl,
      SPILL_DIR: `tmp/e2e-sasl-spill-${randomUUID()}`,
    });
    expect(await exitOf(gateway)).toEqual({ app: 'gateway', code: 1 });
    expect(gateway.logs).toContain(
      "failed: the broker's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)",
    );
  }, 60_000);
});
