import { Inject, Injectable } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import { Counter, Gauge, Histogram, MetricsRegistry } from '@pgw/server-kit';
import type { MaintenanceReport } from '../retention/maintenance-report';

/** Seconds; a 1,000-row batch normally takes 10–100 ms. */
const WRITE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Everything the audit service exposes to Prometheus. Counts, latencies and ages only: no label carries
 * an id, a reason text or anything from an event (dead letters are split by stage, never by reason).
 */
@Injectable()
export class AuditMetrics {
  readonly registry = new MetricsRegistry();

  readonly consumed = this.registry.register(
    new Counter('pgw_audit_events_consumed_total', 'Decision events received from the topic.'),
  );
  readonly written = this.registry.register(
    new Counter('pgw_audit_events_written_total', 'Decision events written to audit.decisions.'),
  );
  readonly duplicates = this.registry.register(
    new Counter(
      'pgw_audit_events_duplicate_total',
      'Redelivered decision events skipped because their event id was already stored.',
    ),
  );
  readonly deadLettered = this.registry.register(
    new Counter(
      'pgw_audit_events_dead_lettered_total',
      'Decision events sent to the dead-letter topic, by stage (decode: failed validation; database: refused by Postgres).',
      ['stage'],
      [['decode'], ['database']],
    ),
  );
  readonly batches = this.registry.register(
    new Counter('pgw_audit_batches_total', 'Batches written (one transaction each).'),
  );
  readonly batchFailures = this.registry.register(
    new Counter(
      'pgw_audit_batch_failures_total',
      'Batch writes that failed (database away) and are retried by the consumer; the offsets stay put.',
    ),
  );
  readonly batchWrite = this.registry.register(
    new Histogram('pgw_audit_batch_write_seconds', 'Time to write one batch to Postgres.', WRITE_BUCKETS),
  );
  /** A lag proxy that needs no broker round trip: how old the newest event of the last batch was. */
  readonly ingestDelay = this.registry.register(
    new Gauge(
      'pgw_audit_ingest_delay_seconds',
      'Age (now - created_at) of the newest event in the last batch written; grows when the consumer lags.',
    ),
  );
  readonly lastBatch = this.registry.register(
    new Gauge('pgw_audit_last_batch_timestamp_seconds', 'Unix time of the last batch written.'),
  );
  readonly partitionsCreated = this.registry.register(
    new Counter(
      'pgw_audit_retention_partitions_created_total',
      'Time partitions created ahead or to rescue rows.',
    ),
  );
  readonly partitionsDropped = this.registry.register(
    new Counter(
      'pgw_audit_retention_partitions_dropped_total',
      'Time partitions dropped because every row in them was past its retention.',
    ),
  );
  readonly rowsMoved = this.registry.register(
    new Counter(
      'pgw_audit_retention_rows_moved_total',
      'Rows moved to another retention class after a project changed retention.',
    ),
  );
  readonly defaultRowsPurged = this.registry.register(
    new Counter(
      'pgw_audit_retention_default_rows_purged_total',
      'Stray rows past retention deleted from DEFAULT partitions.',
    ),
  );
  readonly rowsSwept = this.registry.register(
    new Counter(
      'pgw_audit_retention_rows_swept_total',
      "Rows deleted at their project's exact retention, before their partition could be dropped.",
    ),
  );
  readonly maintenanceRuns = this.registry.register(
    new Counter(
      'pgw_audit_retention_runs_total',
      'Partition maintenance runs, by outcome (ran; skipped: another replica held the lock; failed).',
      ['outcome'],
      [['ran'], ['skipped'], ['failed']],
    ),
  );

  constructor(@Inject(EVENT_BUS) bus: EventBus) {
    this.registry.register(
      new Gauge('pgw_audit_bus_connected', '1 when the broker answered the last request.', () =>
        bus.health().connected ? 1 : 0,
      ),
    );
    this.registry.register(
      new Gauge(
        'pgw_audit_bus_buffered_messages',
        'Messages (dead letters) queued in memory for the broker.',
        () => bus.health().buffered,
      ),
    );
  }

  recordMaintenance(report: MaintenanceReport): void {
    if (!report.ran) {
      this.maintenanceRuns.inc(['skipped']);
      return;
    }
    this.maintenanceRuns.inc(['ran']);
    this.partitionsCreated.inc([], report.created.length);
    this.partitionsDropped.inc([], report.dropped.length);
    this.rowsMoved.inc([], report.movedRows);
    this.defaultRowsPurged.inc([], report.purgedDefaultRows);
    this.rowsSwept.inc([], report.sweptRows);
  }

  render(): string {
    return this.registry.render();
  }
}
