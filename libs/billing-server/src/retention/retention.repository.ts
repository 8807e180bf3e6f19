import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';

/** Deletes in slices so one purge never holds long locks or a huge transaction. */
const SLICE = 5_000;

@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  async deleteRawBefore(cutoff: Date): Promise<number> {
    return this.sliced(
      `WITH gone AS (
         DELETE FROM billing.usage_events WHERE event_id IN (
           SELECT event_id FROM billing.usage_events WHERE started_at < $1 LIMIT ${SLICE})
         RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      cutoff,
    );
  }

  /** An hour's rollup goes once its whole hour is past the cutoff: never a usage row still within retention. */
  async deleteRollupsBefore(cutoff: Date): Promise<number> {
    return this.sliced(
      `WITH gone AS (
         DELETE FROM billing.usage_hourly WHERE (project_id, hour, model) IN (
           SELECT project_id, hour, model FROM billing.usage_hourly
            WHERE hour <= $1::timestamptz - interval '1 hour' LIMIT ${SLICE})
         RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      cutoff,
    );
  }

  private async sliced(sql: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const [{ n }]: { n: string }[] = await this.dataSource.query(sql, [cutoff.toISOString()]);
      total += Number(n);
      if (Number(n) < SLICE) return total;
    }
  }
}
