import type { Client } from 'pg';

/** What one column of a real database accepts, found by trying to store text in it. */
export interface ColumnProbe {
  /** `schema.table.column` */
  column: string;
  schema: string;
  table: string;
  name: string;
  type: string;
  /** It stored a short sentence (`DOB 1970-01-01 ssn 123-45-6789` or `ssn 1`). */
  acceptsProse: boolean;
  /** It stored `LONG_PROBE_CHARS` characters. */
  acceptsLong: boolean;
}

/** Longer than any bound a schema may set (the policy service's 4 MiB admin JSON). */
export const LONG_PROBE_CHARS = 4 * 1024 * 1024 + 1;

const PROSE = ['DOB 1970-01-01 ssn 123-45-6789', 'ssn 1'];

/** Type categories that cannot hold text: numbers, booleans, date/time, intervals, enums, network. */
const BOUNDED_CATEGORIES = new Set(['N', 'B', 'D', 'T', 'E', 'I']);
const BOUNDED_TYPES = new Set(['uuid']);

interface ColumnRow {
  schema: string;
  table: string;
  name: string;
  type: string;
  element_category: string;
  element_type: string;
  is_array: boolean;
  relid: number;
  attnum: number;
}

/**
 * Every column of every table (partitions included) in every non-system schema, with whether it can hold
 * a sentence or an unbounded value. A column's type alone is not trusted: for each column that could hold
 * characters, an empty temporary table gets a column of the same type plus the column's own single-column
 * CHECK constraints, and the probes are inserted into it. Columns of numeric, boolean, time, uuid and
 * enum types are reported as accepting nothing. `skip` names tables not to probe (`schema.table`).
 */
export async function probeColumns(
  client: Client,
  skip: (table: string) => boolean = () => false,
): Promise<ColumnProbe[]> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, c.oid::int AS relid, a.attnum,
            format_type(a.atttypid, a.atttypmod) AS type,
            coalesce(et.typcategory, t.typcategory) AS element_category,
            coalesce(et.typname, t.typname) AS element_type, et.oid IS NOT NULL AS is_array
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'
      ORDER BY 1, 2, a.attnum`,
  );
  const probes: ColumnProbe[] = [];
  // Partitions repeat their parent's columns and constraints: probe each distinct column shape once.
  const seen = new Map<string, { acceptsProse: boolean; acceptsLong: boolean }>();
  for (const row of rows) {
    const column = `${row.schema}.${row.table}.${row.name}`;
    const base = { column, schema: row.schema, table: row.table, name: row.name, type: row.type };
    if (skip(`${row.schema}.${row.table}`)) continue;
    if (BOUNDED_CATEGORIES.has(row.element_category) || BOUNDED_TYPES.has(row.element_type)) {
      probes.push({ ...base, acceptsProse: false, acceptsLong: false });
      continue;
    }
    const checks = await client.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = $1 AND contype = 'c' AND conkey = ARRAY[$2::smallint]`,
      [row.relid, row.attnum],
    );
    const shape = `${row.name}|${row.type}|${checks.rows.map((c) => c.def).join('|')}`;
    const known = seen.get(shape);
    if (known) {
      probes.push({ ...base, ...known });
      continue;
    }
    const accepts = async (value: string): Promise<boolean> => {
      await client.query('BEGIN');
      try {
        const ident = `"${row.name.replace(/"/g, '""')}"`;
        await client.query(`CREATE TEMP TABLE text_probe (${ident} ${row.type}) ON COMMIT DROP`);
        for (const check of checks.rows) await client.query(`ALTER TABLE text_probe ADD ${check.def}`);
        const cast = /^jsonb?$/.test(row.element_type) ? `to_jsonb($1::text)::${row.element_type}` : '$1';
        await client.query(`INSERT INTO text_probe VALUES (${row.is_array ? `ARRAY[${cast}]` : cast})`, [
          value,
        ]);
        return true;
      } catch {
        return false;
      } finally {
        await client.query('ROLLBACK');
      }
    };
    let acceptsProse = false;
    for (const prose of PROSE) acceptsProse = acceptsProse || (await accepts(prose));
    // A declared length (varchar(n), char(n), also on array elements) bounds the column by itself.
    const lengthBound = /\(\d+\)(\[\])?$/.test(row.type);
    const verdict = {
      acceptsProse,
      acceptsLong: !lengthBound && (await accepts('x'.repeat(LONG_PROBE_CHARS))),
    };
    seen.set(shape, verdict);
    probes.push({ ...base, ...verdict });
  }
  return probes;
}
