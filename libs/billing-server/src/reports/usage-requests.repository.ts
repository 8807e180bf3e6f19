import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';

/** One billed request as the per-request export lists it (numbers as Postgres returns bigints: text). */
export interface UsageRequestRow {
  event_id: string;
  request_id: string | null;
  started_at: string;
  finished_at: string;
  key_id: string;
  model: string;
  status: string;
  http_status: number;
  error_code: string | null;
  streamed: boolean;
  usage_estimated: boolean;
  input_tokens: string;
  output_tokens: string;
  total_tokens: string;
  price_micros_per_million: string;
  cost_micros: string;
}

export interface RequestsCursor {
  startedAt: string;
  eventId: string;
}

/** Raw usage rows of one project (kept for the raw retention), in keyset pages on (started_at, event_id). */
@Injectable()
export class UsageRequestsRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  async page(
    projectId: string,
    from: Date,
    to: Date,
    after: RequestsCursor | null,
    limit: number,
  ): Promise<UsageRequestRow[]> {
    const params: unknown[] = [projectId, from.toISOString(), to.toISOString(), limit];
    let keyset = '';
    if (after) {
      params.push(after.startedAt, after.eventId);
      keyset = 'AND (started_at, event_id) > ($5::timestamptz, $6::uuid)';
    }
    return this.dataSource.query(
      `SELECT event_id, request_id,
              to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
              to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at,
              key_id, model, status, http_status, error_code, streamed, usage_estimated,
              input_tokens, output_tokens, total_tokens, price_micros_per_million, cost_micros
         FROM billing.usage_events
        WHERE project_id = $1 AND started_at >= $2 AND started_at < $3 ${keyset}
        ORDER BY started_at, event_id
        LIMIT $4`,
      params,
    );
  }
}
