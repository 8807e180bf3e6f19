import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';
import type { HourlyDelta, SpendDelta, UsageRow } from './usage-aggregation';

/** Rows per statement: 17 parameters each stays far below Postgres' 65535-parameter limit. */
const CHUNK = 500;

function valuesClause(rowCount: number, width: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const params: string[] = [];
    for (let c = 1; c <= width; c++) params.push(`$${r * width + c}`);
    tuples.push(`(${params.join(', ')})`);
  }
  return tuples.join(', ');
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

@Injectable()
export class UsageRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Inserts the rows whose event id is new; returns the ids actually inserted (duplicates are skipped). */
  async insertNew(manager: EntityManager, rows: readonly UsageRow[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const chunk of chunks(rows)) {
      const params = chunk.flatMap((r) => [
        r.eventId,
        r.projectId,
        r.keyId,
        r.model,
        r.inputTokens,
        r.outputTokens,
        r.totalTokens,
        r.usageEstimated,
        r.streamed,
        r.status,
        r.httpStatus,
        r.errorCode,
        r.startedAt,
        r.finishedAt,
        r.priceMicrosPerMillion,
        r.costMicros,
        r.requestId,
      ]);
      const returned: { event_id: string }[] = await manager.query(
        `INSERT INTO billing.usage_events (event_id, project_id, key_id, model, input_tokens, output_tokens,
           total_tokens, usage_estimated, streamed, status, http_status, error_code, started_at, finished_at,
           price_micros_per_million, cost_micros, request_id)
         VALUES ${valuesClause(chunk.length, 17)}
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id`,
        params,
      );
      for (const row of returned) inserted.add(row.event_id);
    }
    return inserted;
  }

  async addToHourly(manager: EntityManager, deltas: readonly HourlyDelta[]): Promise<void> {
    for (const chunk of chunks(deltas)) {
      await manager.query(
        `INSERT INTO billing.usage_hourly AS h (project_id, model, hour, requests, input_tokens, output_tokens,
           total_tokens, cost_micros)
         VALUES ${valuesClause(chunk.length, 8)}
         ON CONFLICT (project_id, hour, model) DO UPDATE SET
           requests = h.requests + EXCLUDED.requests,
           input_tokens = h.input_tokens + EXCLUDED.input_tokens,
           output_tokens = h.output_tokens + EXCLUDED.output_tokens,
           total_tokens = h.total_tokens + EXCLUDED.total_tokens,
           cost_micros = h.cost_micros + EXCLUDED.cost_micros
         RETURNING 1`,
        chunk.flatMap((d) => [
          d.projectId,
          d.model,
          d.hour,
          d.requests,
          d.inputTokens,
          d.outputTokens,
          d.totalTokens,
          d.costMicros,
        ]),
      );
    }
  }

  async addToSpend(manager: EntityManager, deltas: readonly SpendDelta[]): Promise<void> {
    for (const chunk of chunks(deltas)) {
      await manager.query(
        `INSERT INTO billing.budget_periods AS b (project_id, period, spent_micros)
         VALUES ${valuesClause(chunk.length, 3)}
         ON CONFLICT (project_id, period) DO UPDATE SET
           spent_micros = b.spent_micros + EXCLUDED.spent_micros, updated_at = now()
         RETURNING 1`,
        chunk.flatMap((d) => [d.projectId, d.period, d.costMicros]),
      );
    }
  }
}
