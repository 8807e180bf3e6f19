import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  TOPIC_CODECS,
  TOPICS,
  uncheckedEncoded,
  uuidv7,
  type Encoded,
  type ProjectStateRecord,
  type UsageEvent,
} from '@pgw/contracts';
import { EventBusTransport, KafkaEventBus } from '@pgw/messaging';
import { BillingMetrics } from '@pgw/billing-server';
import { listenMetrics, loadConfig, type MetricsListener } from '@pgw/server-kit';
import {
  createTestDatabase,
  readTopicSince,
  startAtTopicEnd,
  topicEndOffsets,
  TEST_KAFKA_BROKERS,
  waitFor,
  type PartitionOffsets,
  type TestDatabase,
  usageEvent,
} from '@pgw/testing';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../src/app.module';
import { BillingConfig } from '../src/billing.config';

const run = randomBytes(4).toString('hex');

function usageMessage(
  projectId: string,
  totalTokens: number,
  eventId = uuidv7(),
): { key: string; value: Encoded<UsageEvent> } {
  const startedAt = new Date().toISOString();
  const envelope = usageEvent(
    projectId,
    {
      request_id: `req_metrics_${run}`,
      input_tokens: totalTokens,
      output_tokens: 0,
      started_at: startedAt,
      finished_at: startedAt,
    },
    eventId,
  );
  return { key: projectId, value: TOPIC_CODECS.usage.encode(envelope) };
}

function projectState(projectId: string, monthlyBudgetMicros: number): ProjectStateRecord {
  return {
    project_id: projectId,
    name: 'metrics test',
    plan: 'team',
    default_rollout_mode: 'enforce',
    allowed_models: ['gpt-test'],
    limits: { requests_per_minute: null, tokens_per_minute: null },
    key_limits: { requests_per_minute: null, tokens_per_minute: null },
    monthly_budget_micros: monthlyBudgetMicros,
    budget_soft_alert_percent: 50,
    audit_retention_days: 30,
    updated_at: new Date().toISOString(),
  };
}

const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
};

/** The billing app's module as main.ts builds it, listening on a real port, on Kafka and a throwaway DB. */
describe('billing app', () => {
  let db: TestDatabase;
  let bus: KafkaEventBus;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let metrics: MetricsListener;
  // Where the shared broker's quota state ended before this file published anything.
  let quotaStateStart: PartitionOffsets;

  beforeAll(async () => {
    quotaStateStart = await topicEndOffsets(TOPICS.quotaState);
    db = await createTestDatabase('billingapp');
    const config = loadConfig(BillingConfig, {
      DATABASE_URL: db.url,
      ADMIN_TOKEN: 'billing-app-test-admin-token',
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    });
    bus = new KafkaEventBus({
      brokers: config.kafkaBrokers,
      clientId: `billing-app-test-${run}`,
      lingerMs: 1,
    });
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config, bus),
      new FastifyAdapter(),
      {
        logger: ['error'],
      },
    );
    const group = `billing-app-${process.env.PGW_TEST_RUN_ID ?? 'local'}-${run}`;
    await startAtTopicEnd(`${group}.${TOPICS.usage}`, TOPICS.usage);
    app.connectMicroservice({ strategy: new EventBusTransport(bus, group) }, { inheritAppConfig: true });
    await app.init();
    await app.startAllMicroservices();
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const registry = app.get(BillingMetrics); // on the internal metrics listener, as main.ts starts it
    metrics = await listenMetrics({
      port: 0,
      host: '127.0.0.1',
      routes: { '/metrics': () => registry.render() },
    });
  });

  afterAll(async () => {
    await metrics?.close();
    await app?.close(); // closes the bus too
    await db?.drop();
  });

  const scrape = async (): Promise<string> => {
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404); // never on the admin port
    const response = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  };

  it('exposes Prometheus metrics over HTTP that count real ingestion, alerts and quota publishes', async () => {
    const projectId = `metrics_${run}`;
    // $0.01 budget, soft alert at 50%: 1,500 tokens ($0.0075) alerts, 1,000 more ($0.0125) exhausts it.
    await bus.publishAndWait(TOPICS.projectState, [
      { key: projectId, value: TOPIC_CODECS.projectState.encode(projectState(projectId, 10_000)) },
    ]);
    await waitFor(
      async () =>
        (await readTopicSince(TOPICS.quotaState, quotaStateStart)).some(
          (m) =>
            m.key === projectId &&
            (JSON.parse(m.value ?? '{}') as { limit_micros?: number }).limit_micros === 10_000,
        ),
      { timeoutMs: 45_000, description: 'the budget setting published as quota state' },
    );
    const before = await scrape();
    const first = usageMessage(projectId, 1_500);
    const poison = { key: projectId, value: uncheckedEncoded<UsageEvent>('{"not":"a usage event"}') }; // on purpose
    bus.publish(TOPICS.usage, [first, poison, first, usageMessage(projectId, 1_000)]);
    const after = await waitFor(
      async () => {
        const text = await scrape();
        const exhausted = value(text, 'pgw_billing_budget_alerts_total{kind="exhausted"}');
        return exhausted - value(before, 'pgw_billing_budget_alerts_total{kind="exhausted"}') >= 1 &&
          value(text, 'pgw_billing_quota_state_published_total') >=
            value(text, 'pgw_billing_quota_state_queued_total')
          ? text
          : null;
      },
      { timeoutMs: 45_000, description: 'the exhausted alert and its quota state published' },
    );
    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta('pgw_billing_usage_events_consumed_total')).toBeGreaterThanOrEqual(4);
    expect(delta('pgw_billing_usage_events_ingested_total')).toBeGreaterThanOrEqual(2);
    expect(delta('pgw_billing_usage_events_duplicate_total')).toBeGreaterThanOrEqual(1);
    expect(delta('pgw_billing_usage_events_dead_lettered_total')).toBeGreaterThanOrEqual(1);
    expect(delta('pgw_billing_rollup_writes_total{rollup="hourly"}')).toBeGreaterThanOrEqual(1);
    expect(delta('pgw_billing_rollup_writes_total{rollup="spend"}')).toBeGreaterThanOrEqual(1);
    expect(delta('pgw_billing_budget_alerts_total{kind="soft"}')).toBeGreaterThanOrEqual(1);
    // One quota record per batch that changed the state (the events may arrive in one batch or several).
    expect(delta('pgw_billing_quota_state_queued_total')).toBeGreaterThanOrEqual(1);
    expect(delta('pgw_billing_quota_state_published_total')).toBeGreaterThanOrEqual(1);
    expect(delta('pgw_billing_batch_write_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(after).toContain('# TYPE pgw_billing_retention_rows_deleted_total counter');
    // Counts only: no project, key or request id in the exposition.
    for (const text of [projectId, 'key00001', `req_metrics_${run}`]) expect(after).not.toContain(text);
    expect(
      after
        .trim()
        .split('\n')
        .every((l) => /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? \S+)$/.test(l)),
    ).toBe(true);
  });
});
