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
