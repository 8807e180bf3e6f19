// What the `migrate` init containers rely on during a rollout: several new pods start at once, each runs
// its service's migrations (MIGRATE_ONLY=true → migrateOnly) against the same database. Real Postgres,
// a throwaway database per service: the runs take the advisory lock in turn, every migration is applied
// exactly once, and a later run (the next rollout) is a no-op.
import { Client } from 'pg';
import { AUDIT_MIGRATIONS, AUDIT_SCHEMA } from '@pgw/audit-server';
import { BILLING_MIGRATIONS, BILLING_SCHEMA } from '@pgw/billing-server';
import { migrateOnly } from '@pgw/persistence';
import { POLICY_MIGRATIONS, POLICY_SCHEMA } from '@pgw/policy-server';
import { createTestDatabase, type TestDatabase } from '@pgw/testing';

const SERVICES = [
  { schema: POLICY_SCHEMA, migrations: POLICY_MIGRATIONS },
  { schema: AUDIT_SCHEMA, migrations: AUDIT_MIGRATIONS },
  { schema: BILLING_SCHEMA, migrations: BILLING_MIGRATIONS },
];

describe.each(SERVICES)('MIGRATE_ONLY for schema $schema', ({ schema, migrations }) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(`migrate${schema}`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function appliedMigrations(): Promise<string[]> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const result = await client.query<{ name: string }>(
        `SELECT name FROM "${schema}"."${schema}_migrations" ORDER BY id`,
      );
      return result.rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  }

  it('three pods migrating at once all succeed, and each migration is applied exactly once', async () => {
    const target = { kind: 'postgres' as const, url: db.url };
    const runs = await Promise.allSettled([1, 2, 3].map(() => migrateOnly({ target, schema, migrations })));
    expect(runs.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const applied = await appliedMigrations();
    expect(applied).toHaveLength(migrations.length);
    expect(new Set(applied).size).toBe(applied.length);
  });

  it('the next rollout runs them again as a no-op', async () => {
    const before = await appliedMigrations();
    await migrateOnly({ target: { kind: 'postgres', url: db.url }, schema, migrations });
    expect(await appliedMigrations()).toEqual(before);
  });
});
