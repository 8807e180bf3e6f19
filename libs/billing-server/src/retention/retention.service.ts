import { describeError } from '@pgw/messaging';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { BILLING_OPTIONS, type ResolvedBillingOptions } from '../billing-server.options';
import { DAY_MS } from '../shared/periods';
import { BillingMetrics } from '../metrics/billing-metrics';
import { RetentionRepository } from './retention.repository';

export interface PurgeResult {
  rawDeleted: number;
  rollupsDeleted: number;
  rawCutoff: string;
  rollupCutoff: string;
}

/**
 * Telemetry retention: raw usage rows for BILLING_RAW_RETENTION_DAYS (30), hourly rollups for
 * BILLING_ROLLUP_RETENTION_DAYS (400), each to the hour. Runs at start and then hourly; idempotent, so
 * several replicas may run it. Budget periods, alerts and prices are kept (small, and needed for invoices).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BillingRetention');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly retention: RetentionRepository,
    @Inject(BILLING_OPTIONS) private readonly options: ResolvedBillingOptions,
    private readonly metrics: BillingMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const run = (): void => {
      if (this.running) return;
      this.running = this.purge()
        .catch((error) => this.logger.warn(`retention run failed: ${describeError(error)}`))
        .finally(() => (this.running = null));
    };
    this.timer = setInterval(run, this.options.retentionIntervalMs);
    this.timer.unref();
    run();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Resolves when no scheduled run is in progress (the start-up run, in tests). */
  async whenIdle(): Promise<void> {
    await this.running;
  }

  async purge(now: Date = new Date()): Promise<PurgeResult> {
    const rawCutoff = new Date(now.getTime() - this.options.rawRetentionDays * DAY_MS);
    const rollupCutoff = new Date(now.getTime() - this.options.rollupRetentionDays * DAY_MS);
    const rawDeleted = await this.retention.deleteRawBefore(rawCutoff);
    this.metrics.retentionDeleted.inc(['usage_events'], rawDeleted);
    const rollupsDeleted = await this.retention.deleteRollupsBefore(rollupCutoff);
    this.metrics.retentionDeleted.inc(['usage_hourly'], rollupsDeleted);
    if (rawDeleted + rollupsDeleted > 0) {
      this.logger.log(`retention: deleted ${rawDeleted} raw usage rows and ${rollupsDeleted} hourly rollups`);
    }
    return {
      rawDeleted,
      rollupsDeleted,
      rawCutoff: rawCutoff.toISOString(),
      rollupCutoff: rollupCutoff.toISOString(),
    };
  }
}
