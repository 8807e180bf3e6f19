import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DecisionKind, RolloutMode } from '@pgw/contracts';
import type { DataSource } from 'typeorm';
import type { DecisionRow } from '../ingest/decision-row';
import { AUDIT_DATA_SOURCE } from '../audit-server.options';

export interface DecisionFilter {
  projectId?: string;
  from?: Date;
  to?: Date;
  decision?: DecisionKind;
  reasonCode?: string;
  category?: string;
  policyId?: string;
  policyUser?: string;
  model?: string;
  enforced?: boolean;
  rolloutMode?: RolloutMode;
}

/** Position after which a keyset page starts: (created_at, event_id). */
export interface Keyset {
  createdAt: string;
  eventId: string;
}

/** An audit record as read back (the API and export shape; the table's routing columns stay inside). */
export type DecisionRecord = DecisionRow;

export interface BucketCount {
  bucket: Date;
  key: string;
  count: number;
}

const COLUMNS = `event_id, created_at, project_id, request_id, decision, reason_code, triggered_categories, rollout_mode,
  enforced, policy_id, policy_user, policy_project_id, policy_target, allowlist_hits, denylist_hits, model`;

function whereClause(filter: DecisionFilter, params: unknown[]): string[] {
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.projectId !== undefined) add((p) => `project_id = ${p}`, filter.projectId);
  if (filter.from) add((p) => `created_at >= ${p}`, filter.from.toISOString());
  if (filter.to) add((p) => `created_at < ${p}`, filter.to.toISOString());
  if (filter.decision) add((p) => `decision = ${p}`, filter.decision);
  if (filter.reasonCode !== undefined) add((p) => `reason_code = ${p}`, filter.reasonCode);
  if (filter.category !== undefined)
    add((p) => `triggered_categories @> ARRAY[${p}::varchar(96)]`, filter.category);
  if (filter.policyId !== undefined) add((p) => `policy_id = ${p}`, filter.policyId);
  if (filter.policyUser !== undefined) add((p) => `policy_user = ${p}`, filter.policyUser);
  if (filter.model !== undefined) add((p) => `model = ${p}`, filter.model);
  if (filter.enforced !== undefined) add((p) => `enforced = ${p}`, filter.enforced);
  if (filter.rolloutMode) add((p) => `rollout_mode = ${p}`, filter.rolloutMode);
  return conditions;
}

type RawRecord = Omit<DecisionRecord, 'created_at'> & { created_at: Date };

const toRecord = (row: RawRecord): DecisionRecord => ({ ...row, created_at: row.created_at.toISOString() });

/** Read side of the audit log: keyset pages and bucketed counts, all on (project_id, created_at, event_id) indexes. */
@Injectable()
export class DecisionQueryRepository {
  constructor(@InjectDataSource(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** One keyset page: `desc` = newest first (listing), `asc` = oldest first (export). */
  async page(
    filter: DecisionFilter,
    after: Keyset | null,
    limit: number,
    order: 'asc' | 'desc',
  ): Promise<DecisionRecord[]> {
    const params: unknown[] = [];
    const conditions = whereClause(filter, params);
    if (after) {
      params.push(after.createdAt, after.eventId);
      const op = order === 'desc' ? '<' : '>';
      conditions.push(
        `(created_at, event_id) ${op} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    params.push(limit);
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    const rows: RawRecord[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit.decisions
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY created_at ${direction}, event_id ${direction} LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  async countByDecision(filter: DecisionFilter, bucket: 'hour' | 'day'): Promise<BucketCount[]> {
    const params: unknown[] = [bucket];
    const conditions = whereClause(filter, params);
    return this.dataSource.query(
      `SELECT date_trunc($1, created_at, 'UTC') AS bucket, decision AS key, count(*)::int AS count
         FROM audit.decisions ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
  }

  async countByCategory(filter: DecisionFilter, bucket: 'hour' | 'day'): Promise<BucketCount[]> {
    const params: unknown[] = [bucket];
    const conditions = whereClause(filter, params);
    return this.dataSource.query(
      `SELECT date_trunc($1, created_at, 'UTC') AS bucket, category AS key, count(*)::int AS count
         FROM audit.decisions CROSS JOIN LATERAL unnest(triggered_categories) AS category
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
  }
}
