import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { AUDIT_MIGRATIONS } from '@pgw/audit-server';
import { BILLING_MIGRATIONS } from '@pgw/billing-server';
import { dataSourceOptions, migrate } from '@pgw/persistence';
import { POLICY_MIGRATIONS } from '@pgw/policy-server';
import { createTestDatabase, probeColumns, type ColumnProbe, type TestDatabase } from '@pgw/testing';

/**
 * The only columns of any schema that may hold a short sentence, and why: what admins write as
 * configuration through the admin APIs (never what a /v1 client sends), the documented end-user id, and
 * the policy outbox's encoded state records (which carry that admin configuration to the other services).
 * Every other character column takes only a token shape or an enumeration; nothing is unbounded.
 */
const MAY_HOLD_TEXT: Record<string, string> = {
  'policy.projects.name': 'project name, written by an admin',
  'policy.projects.allowed_models': 'model allow list, written by an admin',
  'policy.api_keys.name': 'key name, written by an admin',
  'policy.api_keys.allowed_models': 'key model allow list, written by an admin',
  'policy.policy_revisions.config': 'policy configuration (denylists, regexes), written by an admin',
  'policy.policy_revisions.author': 'x-admin-actor of the admin who wrote the revision',
  'policy.policy_revisions.message': 'revision message, written by an admin',
  'policy.policy_revisions.diff': 'diff of two admin-written configurations',
  'policy.change_history.actor': 'x-admin-actor of an admin change',
  'policy.change_history.changes': 'old and new values of an admin change',
  'policy.outbox.message_value': 'encoded project/key/policy state records (admin configuration)',
  'billing.outbox.message_value': "encoded quota state record (billing's own ids and figures)",
  'audit.decisions.policy_user': 'the end-user id the docs allow (normalised and redacted by the gateway)',
};

/** Columns that must refuse text, named to show the probe really bites on each service's schema. */
const MUST_REFUSE = [
  'audit.decisions.request_id',
  'audit.decisions.model',
  'billing.usage_events.model',
  'billing.usage_events.request_id',
  'billing.usage_events.project_id',
  'billing.usage_hourly.model',
  'billing.budget_periods.period',
  'billing.prices.model',
  'policy.projects.id',
  'policy.api_keys.secret_hash',
  'policy.change_history.entity_id',
];

/** Partitions of audit.decisions report as the parent table (they carry its constraints). */
const logical = (probe: ColumnProbe): string =>
  probe.schema === 'audit' && probe.table.startsWith('decisions_')
    ? `audit.decisions.${probe.name}`
    : probe.column;

describe('no schema can hold client text (every column of the real Postgres after migrations)', () => {
  let db: TestDatabase;
  let client: Client;
  let probes: ColumnProbe[];

  beforeAll(async () => {
    db = await createTestDatabase('schemas');
    for (const [schema, migrations] of [
      ['audit', AUDIT_MIGRATIONS],
      ['billing', BILLING_MIGRATIONS],
      ['policy', POLICY_MIGRATIONS],
    ] as const) {
      const dataSource = new DataSource(
        dataSourceOptions({ target: { kind: 'postgres', url: db.url, poolSize: 2 }, schema, migrations }),
      );
      await dataSource.initialize();
      try {
        await migrate(dataSource, schema);
      } finally {
        await dataSource.destroy();
      }
    }
    client = new Client({ connectionString: db.url });
    await client.connect();
    // A time partition made the way audit maintenance makes them (LIKE … INCLUDING CONSTRAINTS, then ATTACH).
    await client.query(
      `CREATE TABLE audit.decisions_r30_p20261207 (LIKE audit.decisions_r30 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
    await client.query(
      `ALTER TABLE audit.decisions_r30 ATTACH PARTITION audit.decisions_r30_p20261207
         FOR VALUES FROM ('2026-12-07T00:00:00Z') TO ('2026-12-08T00:00:00Z')`,
    );
    // TypeORM's own bookkeeping (migration class names) is not ours to constrain.
    probes = await probeColumns(client, (table) => /\.\w+_migrations$/.test(table));
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('dumps every schema: audit, billing and policy, partitions included', () => {
    const schemas = new Set(probes.map((p) => p.schema));
    expect([...schemas].sort()).toEqual(['audit', 'billing', 'policy']);
    expect(probes.some((p) => p.table === 'decisions_r30_p20261207')).toBe(true);
    expect(probes.length).toBeGreaterThan(100);
  });

  it('has no column that takes an unbounded value', () => {
    expect(probes.filter((p) => p.acceptsLong).map((p) => `${p.column} ${p.type}`)).toEqual([]);
  });

  it('has no column that takes a sentence, except the documented admin text and policy_user', () => {
    const prose = probes.filter((p) => p.acceptsProse && !(logical(p) in MAY_HOLD_TEXT));
    expect(prose.map((p) => `${p.column} ${p.type}`)).toEqual([]);
    // The allow list stays honest: each entry names a real column.
    const columns = new Set(probes.map(logical));
    expect(Object.keys(MAY_HOLD_TEXT).filter((column) => !columns.has(column))).toEqual([]);
  });

  it('refuses text in the identifier columns of each service', () => {
    const byColumn = new Map(probes.map((p) => [p.column, p]));
    for (const column of MUST_REFUSE) {
      expect({
        column,
        probed: byColumn.has(column),
        acceptsProse: byColumn.get(column)?.acceptsProse,
      }).toEqual({
        column,
        probed: true,
        acceptsProse: false,
      });
    }
  });
});
