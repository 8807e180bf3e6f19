import { InProcessEventBus } from '@pgw/messaging';
import { startAudit, type AuditHarness } from './audit-harness';

/**
 * The audit schema cannot hold prompt or completion text: every character column is a short, bounded
 * metadata column from this list, and there is no text/json/bytea column anywhere (partitions included).
 */
const METADATA_COLUMNS: Record<string, Record<string, number>> = {
  decisions: {
    project_id: 64,
    request_id: 128,
    decision: 8,
    reason_code: 64,
    triggered_categories: 96,
    rollout_mode: 8,
    policy_id: 64,
    policy_user: 256,
    policy_project_id: 64,
    policy_target: 24,
    model: 128,
  },
  project_retention: { project_id: 64, plan: 16 },
};

describe('audit schema holds metadata only', () => {
  const bus = new InProcessEventBus();
  let audit: AuditHarness;

  beforeAll(async () => {
    audit = await startAudit(bus, 'schema');
  });

  afterAll(async () => {
    await audit?.close();
  });

  it('has no free-text column: every character column is an allowlisted, short varchar', async () => {
    // pg_attribute gives the declared length of array elements too (varchar(96)[]); typmod = length + 4.
    const { rows } = await audit.pg.query<{
      table_name: string;
      column_name: string;
      type: string;
      max_length: number | null;
    }>(
      `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
              CASE WHEN a.atttypmod > 4 THEN a.atttypmod - 4 END AS max_length
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'audit' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname <> 'audit_migrations'`,
    );
    const tables = new Set(rows.map((r) => r.table_name));
    expect(tables.has('decisions')).toBe(true);
    expect(tables.has('decisions_r30_default')).toBe(true);
    const freeText = rows.filter((r) =>
      /^(text|json|jsonb|bytea|xml|character varying(\[\])?|text\[\])$/.test(r.type),
    );
    expect(freeText).toEqual([]);
    for (const row of rows.filter((r) => /character|char/.test(r.type))) {
      const base = row.table_name.startsWith('decisions') ? 'decisions' : row.table_name;
      const allowed = METADATA_COLUMNS[base]?.[row.column_name];
      expect({
        column: `${row.table_name}.${row.column_name}`,
        type: row.type,
        allowed: allowed !== undefined,
      }).toEqual({
        column: `${row.table_name}.${row.column_name}`,
        type: row.type,
        allowed: true,
      });
      expect(row.max_length).toBeLessThanOrEqual(allowed);
    }
    const categories = rows.find(
      (r) => r.table_name === 'decisions' && r.column_name === 'triggered_categories',
    );
    expect(categories?.type).toBe('character varying(96)[]');
  });

  it('agrees with information_schema: no text or json column in schema audit', async () => {
    const { rows } = await audit.pg.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'audit' AND data_type IN ('text', 'json', 'jsonb', 'bytea', 'xml')`,
    );
    expect(rows).toEqual([]);
  });
});
