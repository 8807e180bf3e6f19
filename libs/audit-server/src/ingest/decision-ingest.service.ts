import { Inject, Injectable, Logger } from '@nestjs/common';
import { TOPIC_CODECS, TOPICS, type DeadLetterRecord } from '@pgw/contracts';
import { secondsSince } from '@pgw/server-kit';
import {
  decodeBatch,
  EVENT_BUS,
  InProcessEventBus,
  type EventBus,
  type IncomingMessage,
} from '@pgw/messaging';
import { AUDIT_CONSUMER_NAME } from '../audit-server.options';
import { AuditReadiness } from '../audit-readiness';
import { AuditMetrics } from '../metrics/audit-metrics';
import { ProjectStateStore } from '../state/project-state.store';
import { decodeDecisionMessage, type ClassifiedDecisionRow } from './decision-row';
import { DecisionRepository } from './decision.repository';
import { IngestStats } from './ingest-stats';

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the row itself is the problem. */
const isRowRejection = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

/** created_at values are canonical ISO instants (decision-row.ts), so the newest is the greatest string. */
function newestCreatedAt(rows: readonly ClassifiedDecisionRow[]): string {
  let newest = rows[0].created_at;
  for (let i = 1; i < rows.length; i++) if (rows[i].created_at > newest) newest = rows[i].created_at;
  return newest;
}

/**
 * Writes a consumed batch of decision events: unreadable ones go to the dead-letter topic with the reason,
 * the rest are written in one idempotent multi-row INSERT. Returning means committed (the bus then commits
 * the offsets); throwing (database away) makes the bus retry the same batch.
 */
@Injectable()
export class DecisionIngestService {
  private readonly logger = new Logger(DecisionIngestService.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly repository: DecisionRepository,
    private readonly projectState: ProjectStateStore,
    private readonly stats: IngestStats,
    private readonly readiness: AuditReadiness,
    private readonly metrics: AuditMetrics,
  ) {}

  async ingest(batch: IncomingMessage[]): Promise<void> {
    await this.readiness.ready;
    const now = Date.now();
    const retentionClassOf = (projectId: string) => this.projectState.retentionClassOf(projectId);
    // sources[i] is the message rows[i] came from (for the row-by-row fallback's dead letters).
    const sources: IncomingMessage[] = [];
    let index = -1;
    const decoded = decodeBatch(this.bus, AUDIT_CONSUMER_NAME, batch, (value) => {
      index++;
      const result = decodeDecisionMessage(value, now, retentionClassOf);
      if (result.ok) sources.push(batch[index]);
      return result;
    });
    const rows = decoded.valid;
    let inserted: number;
    let rejected = 0;
    const started = process.hrtime.bigint();
    try {
      inserted = await this.repository.insertBatch(rows);
    } catch (error) {
      if (!isRowRejection(error)) {
        this.metrics.batchFailures.inc();
        throw error;
      }
      // Something the decoder let through was refused: find it row by row so it cannot block the partition.
      ({ inserted, rejected } = await this.insertOneByOne(sources, rows));
    }
    this.metrics.batchWrite.observe(secondsSince(started));
    const deadLettered = decoded.deadLettered + rejected;
    if (deadLettered > 0) await this.flushDeadLetters();
    this.stats.batches++;
    this.stats.inserted += inserted;
    this.stats.duplicates += rows.length - rejected - inserted;
    this.stats.deadLettered += deadLettered;
    this.stats.lastBatchAt = new Date().toISOString();
    this.count(batch.length, inserted, rows.length - rejected - inserted, decoded.deadLettered, rejected);
    if (rows.length > 0)
      this.metrics.ingestDelay.set((Date.now() - Date.parse(newestCreatedAt(rows))) / 1000);
  }

  private count(
    consumed: number,
    written: number,
    duplicates: number,
    invalid: number,
    refused: number,
  ): void {
    const m = this.metrics;
    m.consumed.inc([], consumed);
    m.written.inc([], written);
    m.duplicates.inc([], duplicates);
    m.deadLettered.inc(['decode'], invalid);
    m.deadLettered.inc(['database'], refused);
    m.batches.inc();
    m.lastBatch.set(Date.now() / 1000);
  }

  /**
   * A dead letter must be with the broker before the offset of its message is committed. The in-process
   * bus delivers synchronously, and its flush() waits for every running handler, this one included, so
   * it is not called there (it would never resolve).
   */
  private async flushDeadLetters(): Promise<void> {
    if (this.bus instanceof InProcessEventBus) return;
    await this.bus.flush();
  }

  private async insertOneByOne(
    sources: IncomingMessage[],
    rows: ClassifiedDecisionRow[],
  ): Promise<{ inserted: number; rejected: number }> {
    let inserted = 0;
    const dead: DeadLetterRecord[] = [];
    for (let i = 0; i < rows.length; i++) {
      try {
        inserted += await this.repository.insertBatch([rows[i]]);
      } catch (error) {
        if (!isRowRejection(error)) throw error;
        const message = sources[i];
        const code = String((error as { code?: unknown }).code);
        this.logger.warn(
          `database refused ${message.topic}:${message.partition}:${message.offset} (SQLSTATE ${code})`,
        );
        dead.push({
          source_topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          consumer: AUDIT_CONSUMER_NAME,
          reason: `rejected by the database (SQLSTATE ${code})`,
          value_bytes: message.value?.length ?? 0,
          dead_lettered_at: new Date().toISOString(),
        });
      }
    }
    if (dead.length > 0) {
      this.bus.publish(
        TOPICS.deadLetter,
        dead.map((record) => ({
          key: `${record.source_topic}:${record.partition}`,
          value: TOPIC_CODECS.deadLetter.encode(record),
        })),
      );
    }
    return { inserted, rejected: dead.length };
  }
}
