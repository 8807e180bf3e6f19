import { Inject, Injectable } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import { Counter, Gauge, Histogram, MetricsRegistry } from '@pgw/server-kit';
import type { RefreshResult } from '../budgets/refresh-result';

/** Seconds; one usage batch is a transaction of a few statements. */
const WRITE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Everything the billing service exposes to Prometheus. Counts and latencies only: no project, key or
 * request id in any label (an alert is counted by kind; which project is in the log and the API).
 */
@Injectable()
export class BillingMetrics {
  readonly registry = new MetricsRegistry();

  readonly consumed = this.registry.register(
    new Counter('pgw_billing_usage_events_consumed_total', 'Usage events received from the topic.'),
  );
  readonly ingested = this.registry.register(
    new Counter(
      'pgw_billing_usage_events_ingested_total',
      'Usage events billed: new raw rows, added to the rollups and the monthly spend.',
    ),
  );
  readonly duplicates = this.registry.register(
    new Counter(
      'pgw_billing_usage_events_duplicate_total',
      'Redelivered usage events skipped (already billed; nothing added twice).',
    ),
  );
  readonly deadLettered = this.registry.register(
    new Counter(
      'pgw_billing_usage_events_dead_lettered_total',
      'Usage events that failed validation and went to the dead-letter topic.',
    ),
  );
  readonly batchWrite = this.registry.register(
    new Histogram(
      'pgw_billing_batch_write_seconds',
      'Time of one usage batch transaction (raw rows, rollups, spend, budget state).',
      WRITE_BUCKETS,
    ),
  );
  readonly batchFailures = this.registry.register(
    new Counter(
      'pgw_billing_batch_failures_total',
      'Usage batch transactions that failed and are retried by the consumer; the offsets stay put.',
    ),
  );
  readonly rollupWrites = this.registry.register(
    new Counter(
      'pgw_billing_rollup_writes_total',
      'Rollup rows upserted, by rollup (hourly: usage_hourly per project/model/hour; spend: monthly budget_periods).',
      ['rollup'],
      [['hourly'], ['spend']],
    ),
  );
  readonly budgetAlerts = this.registry.register(
    new Counter(
      'pgw_billing_budget_alerts_total',
      'Budget alerts raised (first time per project and period), by kind (soft: the alert threshold; exhausted: the hard limit).',
      ['kind'],
      [['soft'], ['exhausted']],
    ),
  );
  readonly quotaStateQueued = this.registry.register(
    new Counter(
      'pgw_billing_quota_state_queued_total',
      'Quota-state records written to the outbox because a budget state changed.',
    ),
  );
  readonly quotaStatePublished = this.registry.register(
    new Counter(
      'pgw_billing_quota_state_published_total',
      'Quota-state records the outbox relay published to the compacted topic (broker acknowledged).',
    ),
  );
  readonly relayFailures = this.registry.register(
    new Counter('pgw_billing_outbox_relay_failures_total', 'Outbox relay runs that failed and will retry.'),
  );
  readonly retentionDeleted = this.registry.register(
    new Counter(
      'pgw_billing_retention_rows_deleted_total',
      'Rows deleted by telemetry retention, by table (raw usage_events, hourly rollups).',
      ['table'],
      [['usage_events'], ['usage_hourly']],
    ),
  );

  constructor(@Inject(EVENT_BUS) bus: EventBus) {
    this.registry.register(
      new Gauge('pgw_billing_bus_connected', '1 when the broker answered the last request.', () =>
        bus.health().connected ? 1 : 0,
      ),
    );
  }

  /** After the commit of a budget-state refresh: its new alerts and the quota records it queued. */
  recordRefresh(result: RefreshResult): void {
    for (const alert of result.alerts) this.budgetAlerts.inc([alert.kind]);
    this.quotaStateQueued.inc([], result.published);
  }

  render(): string {
    return this.registry.render();
  }
}
