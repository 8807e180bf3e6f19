import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';
import { toSafeNumber } from '../shared/money';
import type { UsageGrouping } from './dto/usage-report.query.dto';

export interface UsageBucket {
  bucket: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costMicros: number;
}

interface BucketRow {
  bucket: string;
  requests: string;
  input_tokens: string;
  output_tokens: string;
  total_tokens: string;
  cost_micros: string;
}

const BUCKET_SQL: Record<UsageGrouping, string> = {
  model: 'model',
  day: `to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
};

/** Reports read the hourly rollups (kept longer than the raw rows), never the raw telemetry. */
@Injectable()
export class UsageReportRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  async buckets(projectId: string, from: Date, to: Date, groupBy: UsageGrouping): Promise<UsageBucket[]> {
    const rows: BucketRow[] = await this.dataSource.query(
      `SELECT ${BUCKET_SQL[groupBy]} AS bucket, sum(requests) AS requests, sum(input_tokens) AS input_tokens,
         sum(output_tokens) AS output_tokens, sum(total_tokens) AS total_tokens, sum(cost_micros) AS cost_micros
       FROM billing.usage_hourly
       WHERE project_id = $1 AND hour >= $2 AND hour < $3
       GROUP BY 1 ORDER BY 1`,
      [projectId, from.toISOString(), to.toISOString()],
    );
    return rows.map((row) => ({
      bucket: row.bucket,
      requests: toSafeNumber(row.requests),
      inputTokens: toSafeNumber(row.input_tokens),
      outputTokens: toSafeNumber(row.output_tokens),
      totalTokens: toSafeNumber(row.total_tokens),
      costMicros: toSafeNumber(row.cost_micros),
    }));
  }
}
