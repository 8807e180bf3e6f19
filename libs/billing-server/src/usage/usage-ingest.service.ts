import { Inject, Injectable } from '@nestjs/common';
import type { DecodeResult, UsageEvent } from '@pgw/contracts';
import { secondsSince } from '@pgw/server-kit';
import { BILLING_OPTIONS, type ResolvedBillingOptions } from '../billing-server.options';
import { logBudgetAlerts } from '../budgets/budget-alert.logger';
import { BudgetStateService, type RefreshResult } from '../budgets/budget-state.service';
import { ProjectBudgetSettings } from '../budgets/project-budget-settings';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { PriceRepository } from '../pricing/price.repository';
import { BillingMetrics } from '../metrics/billing-metrics';
import { DAY_MS, periodOf } from '../shared/periods';
import { aggregateUsage, toUsageRows, withCurrentPeriods } from './usage-aggregation';
import { decodeUsageEvent } from './usage-event.decoder';
import { UsageRepository } from './usage.repository';

export interface IngestStats {
  batches: number;
  inserted: number;
  duplicates: number;
}

/**
 * Records a batch of usage events with an exactly-once effect under at-least-once delivery: in ONE
 * transaction, raw rows are inserted `ON CONFLICT (event_id) DO NOTHING RETURNING`, and only the rows that
 * came back are added to the hourly rollups and the monthly spend; then the affected projects' budget
 * state is recomputed and queued in the outbox. A redelivered batch inserts nothing and adds nothing.
 */
@Injectable()
export class UsageIngestService {
  readonly stats: IngestStats = { batches: 0, inserted: 0, duplicates: 0 };

  constructor(
    private readonly usage: UsageRepository,
    private readonly prices: PriceRepository,
    private readonly budgetState: BudgetStateService,
    private readonly settings: ProjectBudgetSettings,
    private readonly relay: OutboxRelay,
    @Inject(BILLING_OPTIONS) private readonly options: ResolvedBillingOptions,
    private readonly metrics: BillingMetrics,
  ) {}

  get consumerName(): string {
    return this.options.consumerName;
  }

  /** The decoder for one batch (its retention horizon is fixed for the batch). */
  decoder(now: Date = new Date()): (raw: Buffer | null) => DecodeResult<UsageEvent> {
    const horizon = new Date(now.getTime() - this.options.rawRetentionDays * DAY_MS);
    return (raw) => decodeUsageEvent(raw, horizon);
  }

  async record(events: readonly UsageEvent[], now: Date = new Date()): Promise<void> {
    // Budgets come from the project-state topic: compute no quota state before it has been read.
    await this.settings.ready;
    if (events.length === 0) return;
    const started = process.hrtime.bigint();
    const outcome = await this.usage
      .transaction(async (manager) => {
        const rows = toUsageRows(events, await this.prices.allRules(manager));
        const inserted = await this.usage.insertNew(manager, rows);
        const fresh = rows.filter((row) => inserted.has(row.eventId));
        if (fresh.length === 0)
          return { fresh: 0, hourly: 0, spend: 0, refresh: null as RefreshResult | null };
        const projects = new Set(fresh.map((row) => row.projectId));
        const { hourly, spend } = aggregateUsage(fresh);
        const spendRows = withCurrentPeriods(spend, projects, periodOf(now));
        await this.usage.addToHourly(manager, hourly);
        await this.usage.addToSpend(manager, spendRows);
        const refresh = await this.budgetState.refresh(manager, projects, now);
        return { fresh: fresh.length, hourly: hourly.length, spend: spendRows.length, refresh };
      })
      .catch((error: unknown) => {
        this.metrics.batchFailures.inc();
        throw error;
      });
    this.metrics.batchWrite.observe(secondsSince(started));
    this.stats.batches++;
    this.stats.inserted += outcome.fresh;
    this.stats.duplicates += events.length - outcome.fresh;
    this.metrics.ingested.inc([], outcome.fresh);
    this.metrics.duplicates.inc([], events.length - outcome.fresh);
    this.metrics.rollupWrites.inc(['hourly'], outcome.hourly);
    this.metrics.rollupWrites.inc(['spend'], outcome.spend);
    if (outcome.refresh) {
      logBudgetAlerts(outcome.refresh.alerts);
      this.metrics.recordRefresh(outcome.refresh);
      if (outcome.refresh.published > 0) this.relay.nudge();
    }
  }
}
