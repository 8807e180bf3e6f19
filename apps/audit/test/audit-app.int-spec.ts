import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  TOPIC_CODECS,
  TOPICS,
  createEnvelope,
  uncheckedEncoded,
  uuidv7,
  type DecisionEvent,
  type DecisionPayload,
  type Encoded,
} from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import {
  createTestDatabase,
  startAtTopicEnd,
  TEST_KAFKA_BROKERS,
  waitFor,
  type TestDatabase,
} from '@pgw/testing';
import { AuditMetrics } from '@pgw/audit-server';
import { listenMetrics, loadConfig } from '@pgw/server-kit';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AuditConfig } from '../src/audit.config';
import { createAuditApp } from '../src/bootstrap';

function decisionMessage(projectId: string, eventId: string): { key: string; value: Encoded<DecisionEvent> } {
  const payload: DecisionPayload = {
    event_id: eventId,
    request_id: 'req-metrics',
    decision: 'allow',
    reason_code: 'ok',
    triggered_categories: [],
    rollout_mode: 'enforce',
    enforced: true,
    policy_id: null,
    policy_user: null,
    policy_project_id: projectId,
    policy_target: 'input',
    allowlist_hits: 0,
    denylist_hits: 0,
    model: 'gpt-4o-mini',
    created_at: new Date().toISOString(),
  };
  return {
    key: projectId,
    value: TOPIC_CODECS.decisions.encode(createEnvelope('policy.decision', 1, projectId, payload, eventId)),
  };
}

/** The audit app as main.ts builds it, on Kafka and a throwaway database. */
describe('audit app', () => {
  let db: TestDatabase;
  let bus: KafkaEventBus;
  let app: NestFastifyApplication;
  const adminToken = 'app-test-admin-token';
  const afterAllClose: (() => Promise<void>)[] = [];

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
    await startAtTopicEnd(`${group}.${TOPICS.decisions}`, TOPICS.decisions);
    app = await createAuditApp(config, bus, group);
    await app.getHttpAdapter().getInstance().ready();
  });

  const storedCount = async (projectId: string): Promise<number> => {
    const response = await app.inject({
      method: 'GET',
      url: `/admin/v1/audit/decisions?project_id=${projectId}`,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return (response.json() as { data?: unknown[] }).data?.length ?? 0;
  };

  afterAll(async () => {
    for (const close of afterAllClose) await close();
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
    const payload: DecisionPayload = {
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
        value: TOPIC_CODECS.decisions.encode(
          createEnvelope('policy.decision', 1, projectId, payload, eventId),
        ),
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

  it('exposes Prometheus metrics over HTTP that count real ingestion, with no event content', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as AddressInfo;
    // Not on the admin port: on the internal metrics listener, as main.ts starts it.
    expect((await fetch(`http://127.0.0.1:${address.port}/metrics`)).status).toBe(404);
    const registry = app.get(AuditMetrics);
    const listener = await listenMetrics({
      port: 0,
      host: '127.0.0.1',
      routes: { '/metrics': () => registry.render() },
    });
    afterAllClose.push(() => listener.close());
    const scrape = async (): Promise<{ text: string; contentType: string | null }> => {
      const response = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
      expect(response.status).toBe(200);
      return { text: await response.text(), contentType: response.headers.get('content-type') };
    };
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? NaN : Number(line.slice(series.length + 1));
    };
    const before = (await scrape()).text;
    const projectId = `metrics_${randomBytes(4).toString('hex')}`;
    const marker = `smuggled_${randomBytes(4).toString('hex')}`;
    const event = decisionMessage(projectId, uuidv7());
    const sentinel = decisionMessage(projectId, uuidv7());
    const smuggled = decisionMessage(projectId, uuidv7()).value.replace(
      '"payload":{',
      `"payload":{"${marker}":"x",`,
    );
    const smuggling = { key: projectId, value: uncheckedEncoded<DecisionEvent>(smuggled) }; // poison, on purpose
    // Same key, same partition, in order: the event, then a poison message, a redelivery and a sentinel.
    bus.publish(TOPICS.decisions, [event, smuggling, event, sentinel]);
    // The four messages may come in more than one batch, and a batch's consumed count is recorded after its
    // rows are written: wait until every counter has seen all four (the sentinel being stored is not enough).
    const counted = (text: string) => (series: string, atLeast: number) =>
      value(text, series) - value(before, series) >= atLeast;
    const after = await waitFor(
      async () => {
        const { text } = await scrape();
        const seen = counted(text);
        return seen('pgw_audit_events_written_total', 2) &&
          seen('pgw_audit_events_consumed_total', 4) &&
          seen('pgw_audit_events_duplicate_total', 1) &&
          seen('pgw_audit_events_dead_lettered_total{stage="decode"}', 1) &&
          seen('pgw_audit_batch_write_seconds_count', 1) &&
          (await storedCount(projectId)) === 2
          ? text
          : null;
      },
      { timeoutMs: 45_000, description: 'the four messages counted: written, duplicate, dead-lettered' },
    );
    expect(value(after, 'pgw_audit_batch_write_seconds_bucket{le="+Inf"}')).toBe(
      value(after, 'pgw_audit_batch_write_seconds_count'),
    );
    expect(value(after, 'pgw_audit_ingest_delay_seconds')).toBeGreaterThanOrEqual(0);
    // The startup maintenance run created today's partitions.
    expect(value(after, 'pgw_audit_retention_runs_total{outcome="ran"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'pgw_audit_retention_partitions_created_total')).toBeGreaterThanOrEqual(1);
    expect(after).toContain('# TYPE pgw_audit_retention_partitions_dropped_total counter');
    expect((await scrape()).contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    // Counts only: nothing of the events (ids, request ids, the smuggled field) reaches the metrics.
    for (const text of [projectId, marker, 'req-metrics', JSON.parse(event.value).event_id]) {
      expect(after).not.toContain(text);
    }
    expect(
      after
        .trim()
        .split('\n')
        .every((l) => /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? \S+)$/.test(l)),
    ).toBe(true);
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
