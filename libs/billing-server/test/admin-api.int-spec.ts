import { TOPIC_CODECS, TOPICS, uncheckedEncoded, type QuotaStateRecord } from '@pgw/contracts';
import { InProcessEventBus, type IncomingMessage } from '@pgw/messaging';
import { createTestDatabase, waitFor, type TestDatabase } from '@pgw/testing';
import { Client } from 'pg';
import { UsageIngestService } from '../src';
import { startBillingTestApp, type BillingTestApp } from './billing-test-app';
import { asMessage, projectState, usageEvent } from './usage-fixtures';

/** The admin API and the budget flow on the in-process bus (the embedded mode's adapter) and real Postgres. */
describe('billing admin API (Postgres, in-process bus)', () => {
  let db: TestDatabase;
  let bus: InProcessEventBus;
  let billing: BillingTestApp;
  let pg: Client;
  const quota: QuotaStateRecord[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('billingadmin');
    bus = new InProcessEventBus((error) => console.error(error));
    await bus.follow({
      topics: [TOPICS.quotaState],
      onMessage: (m: IncomingMessage) =>
        m.value && quota.push(JSON.parse(m.value.toString()) as QuotaStateRecord),
    });
    billing = await startBillingTestApp(
      bus,
      { database: { kind: 'postgres', url: db.url }, outboxPollIntervalMs: 200 },
      'billing',
    );
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await billing?.close();
    await bus?.close();
    await pg?.end();
    await db?.drop();
  });

  it('refuses calls without the admin token, in the standard error shape', async () => {
    const missing = await billing.request('GET', '/admin/v1/billing/prices', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.json()).toEqual({
      error: { message: expect.any(String), type: 'authentication_error', param: null, code: 'unauthorized' },
    });
    const wrong = await billing.request('GET', '/admin/v1/billing/prices', undefined, 'nope');
    expect(wrong.status).toBe(403);
    expect(wrong.json<{ error: { code: string } }>().error.code).toBe('forbidden');
  });

  it('schedules prices, never in the past, and lists them', async () => {
    const past = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'gpt-x',
      price_micros_per_million: 1_000_000,
      effective_from: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(past.status).toBe(400);
    expect(past.json()).toMatchObject({ error: { param: 'effective_from', code: 'invalid_request' } });

    const invalid = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'gpt-x',
      price_micros_per_million: 1.5,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: { param: 'price_micros_per_million', code: 'invalid_request' },
    });

    const extra = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'gpt-x',
      price_micros_per_million: 1,
      currency: 'EUR',
    });
    expect(extra.status).toBe(400);
    expect(extra.json()).toMatchObject({ error: { param: 'currency' } });

    const effectiveFrom = new Date(Date.now() + 3_600_000).toISOString();
    const created = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'gpt-x',
      price_micros_per_million: 2_500_000,
      effective_from: effectiveFrom,
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({
      model: 'gpt-x',
      price_micros_per_million: 2_500_000,
      price_usd_per_million: '2.500000',
      effective_from: effectiveFrom,
    });
    const duplicate = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'gpt-x',
      price_micros_per_million: 3_000_000,
      effective_from: effectiveFrom,
    });
    expect(duplicate.status).toBe(409);

    const now = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'gpt-now',
      price_micros_per_million: 7_000_000,
    });
    expect(now.status).toBe(201);

    const list = await billing.request('GET', '/admin/v1/billing/prices?model=gpt-x');
    expect(list.status).toBe(200);
    expect(list.json()).toEqual({
      default_price_micros_per_million: 5_000_000,
      data: [expect.objectContaining({ model: 'gpt-x', price_micros_per_million: 2_500_000 })],
    });
  });

  it('reports usage by model and by day, as JSON and CSV, from the rollups', async () => {
    const project = 'proj_report';
    const day1 = '2026-01-10T10:15:00.000Z';
    const day2 = '2026-01-11T23:59:59.000Z';
    const events = [
      usageEvent(project, { model: 'm-a', input_tokens: 1000, output_tokens: 234, started_at: day1 }),
      usageEvent(project, { model: 'm-a', input_tokens: 1, output_tokens: 0, started_at: day2 }),
      usageEvent(project, {
        model: 'm+b',
        input_tokens: 10,
        output_tokens: 5,
        started_at: day2,
        status: 'error',
        http_status: 502,
      }),
    ];
    const ingest = billing.app.get(UsageIngestService);
    await ingest.record([...events, events[0]], new Date('2026-01-12T00:00:00Z'));
    await ingest.record(events, new Date('2026-01-12T00:00:00Z')); // a redelivered batch changes nothing

    const range = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';
    const byModel = await billing.request('GET', `/admin/v1/billing/projects/${project}/usage?${range}`);
    expect(byModel.status).toBe(200);
    // $5 per 1M tokens = 5 micro-dollars per token: 1234 -> 6170, 1 -> 5, 15 -> 75 .
    expect(byModel.json()).toEqual({
      project_id: project,
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      group_by: 'model',
      totals: {
        requests: 3,
        input_tokens: 1011,
        output_tokens: 239,
        total_tokens: 1250,
        cost_micros: 6250,
        cost_usd: '0.006250',
      },
      breakdown: [
        {
          model: 'm+b',
          requests: 1,
          input_tokens: 10,
          output_tokens: 5,
          total_tokens: 15,
          cost_micros: 75,
          cost_usd: '0.000075',
        },
        {
          model: 'm-a',
          requests: 2,
          input_tokens: 1001,
          output_tokens: 234,
          total_tokens: 1235,
          cost_micros: 6175,
          cost_usd: '0.006175',
        },
      ],
    });
    const byDay = await billing.request(
      'GET',
      `/admin/v1/billing/projects/${project}/usage?${range}&group_by=day`,
    );
    expect(byDay.json<{ breakdown: unknown[] }>().breakdown).toEqual([
      expect.objectContaining({ day: '2026-01-10', requests: 1, total_tokens: 1234 }),
      expect.objectContaining({ day: '2026-01-11', requests: 2, total_tokens: 16, cost_micros: 80 }),
    ]);
    const csv = await billing.request('GET', `/admin/v1/billing/projects/${project}/usage.csv?${range}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toBe(
      'model,requests,input_tokens,output_tokens,total_tokens,cost_micros,cost_usd\r\n' +
        'm+b,1,10,5,15,75,0.000075\r\n' +
        'm-a,2,1001,234,1235,6175,0.006175\r\n',
    );
    const bad = await billing.request('GET', `/admin/v1/billing/projects/${project}/usage?group_by=week`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { param: 'group_by' } });
    const reversed = await billing.request(
      'GET',
      `/admin/v1/billing/projects/${project}/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    );
    expect(reversed.status).toBe(400);
  });

  it('keeps each request id on its raw row and lists billed requests as CSV, page by page', async () => {
    const project = 'proj_requests';
    const start = Date.parse('2026-01-10T00:00:00.000Z');
    // More than one page (2,000 rows) of the streamed export. (A request id that looks like a formula cannot
    // be stored any more: the column takes tokens only; csv.ts's neutralising is unit-tested.)
    const events = Array.from({ length: 2_050 }, (_, i) =>
      usageEvent(project, {
        request_id: `req_${String(i).padStart(5, '0')}`,
        input_tokens: 10,
        output_tokens: i,
        started_at: new Date(start + i * 1_000).toISOString(),
      }),
    );
    const ingest = billing.app.get(UsageIngestService);
    await ingest.record(events, new Date('2026-01-12T00:00:00Z'));
    await ingest.record(events.slice(0, 3), new Date('2026-01-12T00:00:00Z')); // redelivered: billed once

    const stored = await pg.query<{ request_id: string }>(
      `SELECT request_id FROM billing.usage_events WHERE event_id = $1`,
      [events[7].event_id],
    );
    expect(stored.rows).toEqual([{ request_id: 'req_00007' }]);

    const range = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';
    const csv = await billing.request('GET', `/admin/v1/billing/projects/${project}/requests.csv?${range}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'request_id,event_id,started_at,finished_at,key_id,model,status,http_status,error_code,streamed,' +
        'usage_estimated,input_tokens,output_tokens,total_tokens,price_micros_per_million,cost_micros,cost_usd',
    );
    expect(lines).toHaveLength(1 + 2_050);
    // $5 per 1M tokens = 5 micro-dollars per token.
    expect(lines[1]).toBe(
      `req_00000,${events[0].event_id},2026-01-10T00:00:00.000Z,2026-01-10T00:00:00.250Z,` +
        'key00001,gpt-test,ok,200,,false,false,10,0,10,5000000,50,0.000050',
    );
    expect(lines[2_050].startsWith(`req_02049,${events[2_049].event_id},`)).toBe(true);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[1])).size).toBe(2_050);

    const narrow = await billing.request(
      'GET',
      `/admin/v1/billing/projects/${project}/requests.csv?from=2026-01-10T00:00:01Z&to=2026-01-10T00:00:03Z`,
    );
    expect(
      narrow.body
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(['req_00001', 'req_00002']);
    const reversed = await billing.request(
      'GET',
      `/admin/v1/billing/projects/${project}/requests.csv?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    );
    expect(reversed.status).toBe(400);
    expect(reversed.json()).toMatchObject({ error: { param: 'from', code: 'invalid_request' } });
  });

  it('publishes budget state through the outbox, alerts once at the soft limit, and reports the budget', async () => {
    const project = 'proj_budget';
    // $0.01 budget = 10_000 micros; soft alert at 50% = 5_000 micros = 1000 tokens at the default price.
    bus.publish(TOPICS.projectState, [
      { key: project, value: TOPIC_CODECS.projectState.encode(projectState(project, 10_000, 50)) },
    ]);
    await waitFor(
      () => quota.find((q) => q.project_id === project && q.limit_micros === 10_000 && q.spent_micros === 0),
      {
        description: 'initial quota state after the budget setting',
      },
    );

    bus.publish(TOPICS.usage, [asMessage(usageEvent(project, { input_tokens: 900, output_tokens: 300 }))]);
    await waitFor(() => quota.find((q) => q.project_id === project && q.spent_micros === 6_000), {
      description: 'quota state after crossing the soft limit',
    });
    const budget = await billing.request('GET', `/admin/v1/billing/projects/${project}/budget`);
    expect(budget.json()).toMatchObject({
      project_id: project,
      spent_micros: 6_000,
      spent_usd: '0.006000',
      limit_micros: 10_000,
      limit_usd: '0.010000',
      soft_limit_micros: 5_000,
      soft_limit_reached: true,
      exhausted: false,
      alerts: [{ kind: 'soft', created_at: expect.any(String) }],
    });

    bus.publish(TOPICS.usage, [asMessage(usageEvent(project, { input_tokens: 100, output_tokens: 100 }))]);
    await waitFor(() => quota.find((q) => q.project_id === project && q.spent_micros === 7_000));
    const alerts = await pg.query(`SELECT kind FROM billing.budget_alerts WHERE project_id = $1`, [project]);
    expect(alerts.rows).toEqual([{ kind: 'soft' }]);

    // Lowering the budget (a policy-service setting) republishes the state: now exhausted.
    bus.publish(TOPICS.projectState, [
      { key: project, value: TOPIC_CODECS.projectState.encode(projectState(project, 7_000, 50)) },
    ]);
    const exhausted = await waitFor(() => quota.find((q) => q.project_id === project && q.exhausted));
    expect(exhausted).toMatchObject({ spent_micros: 7_000, limit_micros: 7_000, soft_limit_micros: 3_500 });
    await waitFor(async () => (await pg.query(`SELECT 1 FROM billing.outbox`)).rowCount === 0, {
      description: 'outbox drained',
    });
  });

  it('dead-letters unreadable usage messages with the reason', async () => {
    const dead: string[] = [];
    await bus.follow({
      topics: [TOPICS.deadLetter],
      onMessage: (m) => m.value && dead.push(m.value.toString()),
    });
    bus.publish(TOPICS.usage, [{ key: null, value: uncheckedEncoded('{not json') }]); // poison, on purpose
    const record = await waitFor(() =>
      dead.map((d) => JSON.parse(d)).find((d) => d.reason === 'message is not valid JSON'),
    );
    expect(record).toMatchObject({ source_topic: TOPICS.usage, consumer: 'billing', value_bytes: 9 });
  });
});
