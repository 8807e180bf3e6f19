import { InProcessEventBus } from '@pgw/messaging';
import { RetentionService, UsageIngestService } from '../src';
import { createTestDatabase, type TestDatabase } from '@pgw/testing';
import { Client } from 'pg';
import { startBillingTestApp, type BillingTestApp } from './billing-test-app';
import { usageEvent } from './usage-fixtures';

const DAY = 24 * 60 * 60 * 1000;

describe('billing telemetry retention (Postgres)', () => {
  let db: TestDatabase;
  let bus: InProcessEventBus;
  let billing: BillingTestApp;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase('billingretention');
    bus = new InProcessEventBus();
    billing = await startBillingTestApp(
      bus,
      { database: { kind: 'postgres', url: db.url }, rawRetentionDays: 10, rollupRetentionDays: 40 },
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

  const count = async (table: string): Promise<number> =>
    Number(
      (await pg.query(`SELECT count(*) AS n FROM billing.${table} WHERE project_id = 'p_ret'`)).rows[0].n,
    );

  it('deletes raw rows after the raw retention and rollups after the rollup retention, keeping budgets', async () => {
    const now = Date.now();
    const ingest = billing.app.get(UsageIngestService);
    const ages = [1, 9, 11, 39, 41]; // days
    await ingest.record(
      ages.map((days) => usageEvent('p_ret', { started_at: new Date(now - days * DAY).toISOString() })),
      new Date(now),
    );
    expect(await count('usage_events')).toBe(5);
    expect(await count('usage_hourly')).toBe(5);

    const result = await billing.app.get(RetentionService).purge(new Date(now));
    expect(result).toMatchObject({ rawDeleted: 3, rollupsDeleted: 1 });
    const left = await pg.query(
      `SELECT round(extract(epoch FROM ($1::timestamptz - started_at)) / 86400)::int AS days
       FROM billing.usage_events WHERE project_id = 'p_ret' ORDER BY 1`,
      [new Date(now).toISOString()],
    );
    expect(left.rows.map((r) => r.days)).toEqual([1, 9]);
    expect(await count('usage_hourly')).toBe(4);
    expect(await count('budget_periods')).toBeGreaterThan(0);

    // Idempotent: a second run (another replica, the next day) finds nothing more.
    expect(await billing.app.get(RetentionService).purge(new Date(now))).toMatchObject({
      rawDeleted: 0,
      rollupsDeleted: 0,
    });
  });

  it('removes raw rows at their exact retention and an hour of rollups only once the whole hour is past it', async () => {
    const MINUTE = 60_000;
    // Half past an hour, so hour buckets sit at known distances from the cutoffs.
    const now = Math.floor(Date.now() / (60 * MINUTE)) * 60 * MINUTE + 30 * MINUTE;
    const ago = (minutes: number): string => new Date(now - minutes * MINUTE).toISOString();
    const raw = (days: number, minutes: number) =>
      usageEvent('p_edge', { started_at: ago(days * 1440 + minutes) });
    await billing.app.get(UsageIngestService).record(
      [
        raw(10, -2), // raw: 2 minutes inside the 10 days
        raw(10, 2), // raw: 2 minutes past them
        raw(40, 70), // rollup hour [40d+90m, 40d+30m) ago: wholly past the 40 days
        raw(40, 20), // rollup hour [40d+30m, 40d-30m) ago: 20 minutes past the 40 days ...
        raw(40, -20), // ... sharing its hour with usage 20 minutes inside them
      ],
      new Date(now),
    );
    const rows = async (sql: string): Promise<number[]> =>
      (await pg.query<{ m: number }>(sql, [new Date(now).toISOString()])).rows.map((r) => r.m);
    const rawAges = `SELECT round(extract(epoch FROM ($1::timestamptz - started_at)) / 60)::int - 14400 AS m
       FROM billing.usage_events WHERE project_id = 'p_edge' AND started_at > $1::timestamptz - interval '20 days'
       ORDER BY 1`;
    const rollupEnds = `SELECT round(extract(epoch FROM ($1::timestamptz - hour)) / 60)::int - 57600 - 60 AS m
       FROM billing.usage_hourly WHERE project_id = 'p_edge' AND hour < $1::timestamptz - interval '20 days'
       ORDER BY 1`;
    expect(await rows(rawAges)).toEqual([-2, 2]);
    expect(await rows(rollupEnds)).toEqual([-30, 30]); // minutes past 40 days at each hour's end

    await billing.app.get(RetentionService).purge(new Date(now));
    expect(await rows(rawAges)).toEqual([-2]);
    expect(await rows(rollupEnds)).toEqual([-30]);
    // An hour later the shared hour is wholly past the 40 days too.
    await billing.app.get(RetentionService).purge(new Date(now + 31 * MINUTE));
    expect(await rows(rollupEnds)).toEqual([]);
  });

  it('refuses (dead-letters) events older than the raw retention: they could not be deduplicated any more', () => {
    const decode = billing.app.get(UsageIngestService).decoder(new Date());
    const old = usageEvent('p_ret', { started_at: new Date(Date.now() - 11 * DAY).toISOString() });
    const fresh = usageEvent('p_ret', { started_at: new Date(Date.now() - 9 * DAY).toISOString() });
    expect(decode(Buffer.from(JSON.stringify(old)))).toEqual({
      ok: false,
      reason: expect.stringContaining('before the raw retention horizon'),
    });
    expect(decode(Buffer.from(JSON.stringify(fresh)))).toMatchObject({ ok: true });
  });
});
