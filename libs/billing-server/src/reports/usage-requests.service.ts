import { Injectable } from '@nestjs/common';
import { AdminApiException } from '@pgw/server-kit';
import { Readable } from 'node:stream';
import { microsToUsd } from '../shared/money';
import { csvCell } from './csv';
import type { UsageRequestsQueryDto } from './dto/usage-requests.query.dto';
import { UsageRequestsRepository, type UsageRequestRow } from './usage-requests.repository';

const PAGE = 2_000;

/** The documented columns of requests.csv, in order. */
export const USAGE_REQUEST_COLUMNS = [
  'request_id',
  'event_id',
  'started_at',
  'finished_at',
  'key_id',
  'model',
  'status',
  'http_status',
  'error_code',
  'streamed',
  'usage_estimated',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'price_micros_per_million',
  'cost_micros',
  'cost_usd',
] as const;

function csvLine(row: UsageRequestRow): string {
  const cells: (string | number)[] = [
    row.request_id ?? '',
    row.event_id,
    row.started_at,
    row.finished_at,
    row.key_id,
    row.model,
    row.status,
    row.http_status,
    row.error_code ?? '',
    String(row.streamed),
    String(row.usage_estimated),
    row.input_tokens,
    row.output_tokens,
    row.total_tokens,
    row.price_micros_per_million,
    row.cost_micros,
    microsToUsd(BigInt(row.cost_micros)),
  ];
  return cells.map(csvCell).join(',') + '\r\n';
}

/**
 * Per-request usage (one line per billed request, with the gateway's request id), streamed page by page
 * so a month of raw rows never sits in memory. Only as far back as raw rows are kept (30 days default).
 */
@Injectable()
export class UsageRequestsService {
  constructor(private readonly requests: UsageRequestsRepository) {}

  csv(projectId: string, query: UsageRequestsQueryDto, now: Date = new Date()): Readable {
    const { from, to } = requestsRange(query, now);
    const repository = this.requests;
    async function* lines(): AsyncGenerator<string> {
      yield USAGE_REQUEST_COLUMNS.join(',') + '\r\n';
      let after: { startedAt: string; eventId: string } | null = null;
      for (;;) {
        const rows = await repository.page(projectId, from, to, after, PAGE);
        if (rows.length > 0) yield rows.map(csvLine).join('');
        if (rows.length < PAGE) return;
        const last = rows[rows.length - 1];
        after = { startedAt: last.started_at, eventId: last.event_id };
      }
    }
    return Readable.from(lines());
  }
}

export function requestsRange(query: UsageRequestsQueryDto, now: Date): { from: Date; to: Date } {
  const from = query.from
    ? new Date(query.from)
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = query.to ? new Date(query.to) : now;
  if (from.getTime() >= to.getTime()) {
    throw new AdminApiException('invalid_request', 'from must be before to.', 'from');
  }
  return { from, to };
}
