import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AUDIT_DATA_SOURCE } from '../audit-server.options';
import type { RetentionClass } from '../retention/retention-classes';
import type { DecisionRow } from './decision-row';

export interface ClassifiedDecisionRow extends DecisionRow {
  retention_class: RetentionClass;
}

/**
 * One multi-row INSERT per batch: 17 array parameters unnested server-side, whatever the batch size, so
 * the statement text never changes and there is one round trip per batch. Idempotent by event id: an
 * event maps to one (created_at, retention_class), so a redelivered event hits the primary key.
 */
const INSERT_BATCH = `
  WITH inserted AS (
    INSERT INTO audit.decisions (event_id, created_at, retention_class, project_id, request_id, decision, reason_code,
      triggered_categories, rollout_mode, enforced, policy_id, policy_user, policy_project_id, policy_target,
      allowlist_hits, denylist_hits, model)
    SELECT e, c, r, p, rq, d, rc, tc::varchar(96)[], rm, en, pi, pu, ppi, pt, ah, dh, m
      FROM unnest($1::uuid[], $2::timestamptz[], $3::int2[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                  $9::text[], $10::bool[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int4[], $16::int4[],
                  $17::text[])
        AS t(e, c, r, p, rq, d, rc, tc, rm, en, pi, pu, ppi, pt, ah, dh, m)
    ON CONFLICT (event_id, created_at, retention_class) DO NOTHING
    RETURNING 1
  ) SELECT count(*)::int AS inserted FROM inserted`;

/** A Postgres array literal for one row's categories (passed as text, cast server-side). */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

@Injectable()
export class DecisionRepository {
  constructor(@InjectDataSource(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Inserts the rows (duplicates skipped) and returns how many were new. */
  async insertBatch(rows: readonly ClassifiedDecisionRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns: unknown[][] = Array.from({ length: 17 }, () => new Array(rows.length));
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      columns[0][i] = row.event_id;
      columns[1][i] = row.created_at;
      columns[2][i] = row.retention_class;
      columns[3][i] = row.project_id;
      columns[4][i] = row.request_id;
      columns[5][i] = row.decision;
      columns[6][i] = row.reason_code;
      columns[7][i] = arrayLiteral(row.triggered_categories);
      columns[8][i] = row.rollout_mode;
      columns[9][i] = row.enforced;
      columns[10][i] = row.policy_id;
      columns[11][i] = row.policy_user;
      columns[12][i] = row.policy_project_id;
      columns[13][i] = row.policy_target;
      columns[14][i] = row.allowlist_hits;
      columns[15][i] = row.denylist_hits;
      columns[16][i] = row.model;
    }
    const result: { inserted: number }[] = await this.dataSource.query(INSERT_BATCH, columns);
    return result[0].inserted;
  }
}
