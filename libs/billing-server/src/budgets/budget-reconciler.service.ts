import { describeError } from '@pgw/messaging';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { BILLING_OPTIONS, type ResolvedBillingOptions } from '../billing-server.options';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { periodOf } from '../shared/periods';
import { BillingMetrics } from '../metrics/billing-metrics';
import { logBudgetAlerts } from './budget-alert.logger';
import { BudgetStateService } from './budget-state.service';
import { ProjectBudgetSettings } from './project-budget-settings';

/**
 * Republishes a project's budget state when something other than usage changes it: its budget settings
 * (policy service), the topic being caught up at start, or a new month starting. Failed projects stay
 * dirty and are retried on the next tick.
 */
@Injectable()
export class BudgetReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BillingBudget');
  private readonly dirty = new Set<string>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private period = periodOf(new Date());
  private stopped = false;

  constructor(
    private readonly settings: ProjectBudgetSettings,
    private readonly state: BudgetStateService,
    private readonly relay: OutboxRelay,
    private readonly metrics: BillingMetrics,
    @Inject(BILLING_OPTIONS) private readonly options: ResolvedBillingOptions,
  ) {
    this.settings.onChange((projectIds) => {
      for (const id of projectIds) this.dirty.add(id);
      this.kick();
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), Math.max(this.options.outboxPollIntervalMs, 1_000));
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Resolves when no reconciliation is pending or running (tests). */
  async idle(): Promise<boolean> {
    await this.running;
    return this.dirty.size === 0 && this.running === null;
  }

  private tick(): void {
    const period = periodOf(new Date());
    if (period !== this.period) {
      this.period = period;
      for (const id of this.settings.projectIds()) this.dirty.add(id);
    }
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stopped || this.dirty.size === 0) return;
    this.running = this.run().finally(() => {
      this.running = null;
    });
  }

  private async run(): Promise<void> {
    while (this.dirty.size > 0 && !this.stopped) {
      const batch = [...this.dirty].slice(0, 100);
      for (const id of batch) this.dirty.delete(id);
      try {
        const result = await this.state.refreshAlone(batch);
        logBudgetAlerts(result.alerts);
        this.metrics.recordRefresh(result);
        if (result.published > 0) this.relay.nudge();
      } catch (error) {
        for (const id of batch) this.dirty.add(id);
        this.logger.warn(`budget reconcile failed, will retry: ${describeError(error)}`);
        return;
      }
    }
  }
}
