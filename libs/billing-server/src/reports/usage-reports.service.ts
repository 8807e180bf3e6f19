import { Injectable } from '@nestjs/common';
import { AdminApiException } from '@pgw/server-kit';
import { microsToUsd } from '../shared/money';
import { hourOf } from '../shared/periods';
import { toCsv } from './csv';
import type { UsageReportQueryDto } from './dto/usage-report.query.dto';
import type {
  UsageBreakdownRowDto,
  UsageReportResponseDto,
  UsageTotalsDto,
} from './dto/usage-report.response.dto';
import { UsageReportRepository, type UsageBucket } from './usage-report.repository';

const HOUR_MS = 60 * 60 * 1000;

@Injectable()
export class UsageReportsService {
  constructor(private readonly reports: UsageReportRepository) {}

  async report(
    projectId: string,
    query: UsageReportQueryDto,
    now: Date = new Date(),
  ): Promise<UsageReportResponseDto> {
    const { from, to } = reportRange(query, now);
    const buckets = await this.reports.buckets(projectId, from, to, query.group_by);
    const key = query.group_by;
    return {
      project_id: projectId,
      from: from.toISOString(),
      to: to.toISOString(),
      group_by: key,
      totals: totalsOf(buckets),
      breakdown: buckets.map((bucket): UsageBreakdownRowDto => ({
        [key]: bucket.bucket,
        ...totalsOf([bucket]),
      })),
    };
  }

  async csv(projectId: string, query: UsageReportQueryDto, now: Date = new Date()): Promise<string> {
    const report = await this.report(projectId, query, now);
    const key = report.group_by;
    return toCsv(
      [key, 'requests', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_micros', 'cost_usd'],
      report.breakdown.map((row) => [
        row[key] ?? '',
        row.requests,
        row.input_tokens,
        row.output_tokens,
        row.total_tokens,
        row.cost_micros,
        row.cost_usd,
      ]),
    );
  }
}

/** Rollups are hourly: `from` is rounded down and `to` (exclusive) up to whole hours. */
export function reportRange(query: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const from = new Date(hourOf(query.from ? new Date(query.from) : monthStart));
  const rawTo = query.to ? new Date(query.to) : now;
  const to = new Date(Math.ceil(rawTo.getTime() / HOUR_MS) * HOUR_MS);
  if (from.getTime() >= to.getTime()) {
    throw new AdminApiException('invalid_request', 'from must be before to.', 'from');
  }
  return { from, to };
}

function totalsOf(buckets: readonly UsageBucket[]): UsageTotalsDto {
  const sum = { requests: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_micros: 0 };
  for (const b of buckets) {
    sum.requests += b.requests;
    sum.input_tokens += b.inputTokens;
    sum.output_tokens += b.outputTokens;
    sum.total_tokens += b.totalTokens;
    sum.cost_micros += b.costMicros;
  }
  return { ...sum, cost_usd: microsToUsd(sum.cost_micros) };
}
