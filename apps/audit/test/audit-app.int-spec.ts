import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TOPICS, createEnvelope, uuidv7 } from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import { createTestDatabase, TEST_KAFKA_BROKERS, waitFor, type TestDatabase } from '@pgw/testing';
import { loadConfig } from '@pgw/server-kit';
import { randomBytes } from 'node:crypto';
import { AuditConfig } from '../src/audit.config';
import { createAuditApp } from '../src/bootstrap';

/** The audit app as main.ts builds it, on Kafka and a throwaway database. */
describe('audit app', () => {
  let db: TestDatabase;
  let bus: KafkaEventBus;
  let app: NestFastifyApplication;
  const adminToken = 'app-test-admin-token';

  beforeAll(async () => {
    db = await createTestDatabase('auditapp');
    const config = loadConfig(AuditConfig, {
      DATABASE_URL: db.url,
      ADMIN_TOKEN: adminToken,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    });
    bus = new KafkaEventBus({
      brokers: config.kafkaBrokers,
      clientId: `audit-app-test-${randomBytes(3).toString('hex')}`,
    });
    const group = `audit-app-${process.env.PGW_TEST_RUN_ID ?? 'local'}-${randomBytes(3).toString('hex')}`;
    app = await createAuditApp(config, bus, group);
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close(); // closes the bus too (BusCloser)
    await db?.drop();
  });

  it('answers /healthz and, once started and connected, /readyz', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await waitFor(async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      return response.statusCode === 200 ? response.json() : null;
    });
    expect(ready).toMatchObject({ status: 'ready', database: true, kafka: true });
  });

  it('ingests from Kafka and serves the record through the admin API', async () => {
    const projectId = `app_${randomBytes(4).toString('hex')}`;
    const eventId = uuidv7();
    const payload = {
      event_id: eventId,
      request_id: 'req-app',
      decision: 'flag',
      reason_code: 'injection_signal',
      triggered_categories: ['injection'],
      rollout_mode: 'shadow',
      enforced: false,
      policy_id: null,
      policy_user: null,
      policy_project_id: projectId,
      policy_target: 'input',
      allowlist_hits: 0,
      denylist_hits: 0,
      model: 'gpt-4o-mini',
      created_at: new Date().toISOString(),
    };
    bus.publish(TOPICS.decisions, [
      {
        key: projectId,
        value: JSON.stringify(createEnvelope('policy.decision', 1, projectId, payload, eventId)),
      },
    ]);
    const page = await waitFor(
      async () => {
        const response = await app.inject({
          method: 'GET',
          url: `/admin/v1/audit/decisions?project_id=${projectId}`,
          headers: { authorization: `Bearer ${adminToken}` },
        });
        const body = response.json();
        return body.data?.length === 1 ? body : null;
      },
      { timeoutMs: 45_000, description: 'the event through the API' },
    );
    expect(page.data[0]).toMatchObject({
      event_id: eventId,
      decision: 'flag',
      enforced: false,
      rollout_mode: 'shadow',
    });
  });

  it('serves its OpenAPI document', async () => {
    const response = await app.inject({ method: 'GET', url: '/admin/v1/audit/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json().paths)).toEqual(
      expect.arrayContaining([
        '/admin/v1/audit/decisions',
        '/admin/v1/audit/decisions/stats',
        '/admin/v1/audit/export',
      ]),
    );
  });
});
