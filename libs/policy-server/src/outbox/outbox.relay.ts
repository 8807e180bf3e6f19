import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EVENT_BUS, type EventBus, type OutgoingMessage, describeError } from '@pgw/messaging';
import { POLICY_CONNECTION } from '../database/policy-migrations';
import { POLICY_SERVER_OPTIONS, type PolicyServerOptions } from '../policy-server.options';
import { outboxRepository, type OutboxRow } from './outbox.repository';

/** Result of one relay transaction: rows published, or `null` when another relay holds the lock. */
type DrainResult = number | null;

/**
 * Moves committed outbox rows to the bus: lock a batch (`FOR UPDATE SKIP LOCKED`), `publishAndWait` in id
 * order, delete, commit. Nudged right after every change commits (low latency) and polling as a fallback
 * (rows left by a crash or a broker outage). An advisory lock keeps one relay draining at a time across
 * replicas, so records for one key are published in commit order.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PolicyOutboxRelay');
  private readonly pollMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private active: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private failures = 0;

  constructor(
    @InjectDataSource(POLICY_CONNECTION) private readonly dataSource: DataSource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(POLICY_SERVER_OPTIONS) options: PolicyServerOptions,
  ) {
    this.pollMs = options.outbox?.pollIntervalMs ?? 200;
    this.batchSize = options.outbox?.batchSize ?? 200;
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.nudge();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.active;
  }

  /** Called after a change committed: drain now instead of at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.active) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.active = this.run().finally(() => {
      this.active = null;
      if (this.stopped) return;
      const delay = this.again
        ? 0
        : this.failures > 0
          ? Math.min(this.pollMs * 2 ** this.failures, 5_000)
          : this.pollMs;
      this.again = false;
      this.timer = setTimeout(() => this.nudge(), delay);
      this.timer.unref?.();
    });
  }

  /** Publishes everything in the outbox now and resolves when it is empty (republishAll, tests). */
  async drainNow(): Promise<void> {
    for (;;) {
      const result = await this.drainOnce();
      if (result === 0) return;
      if (result === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async run(): Promise<void> {
    try {
      let published: DrainResult;
      do {
        this.again = false;
        published = await this.drainOnce();
      } while (!this.stopped && (published === this.batchSize || this.again));
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.logger.warn(`outbox relay failed (attempt ${this.failures}), will retry: ${describeError(error)}`);
    }
  }

  private drainOnce(): Promise<DrainResult> {
    return this.dataSource.transaction(async (tx) => {
      if (!(await outboxRepository.tryRelayLock(tx))) return null;
      const rows = await outboxRepository.lockBatch(tx, this.batchSize);
      if (rows.length === 0) return 0;
      for (const run of consecutiveTopicRuns(rows)) {
        await this.bus.publishAndWait(run.topic, run.messages);
      }
      await outboxRepository.delete(
        tx,
        rows.map((row) => row.id),
      );
      return rows.length;
    });
  }
}

/** Groups rows into consecutive same-topic runs, keeping the global id order. */
export function consecutiveTopicRuns(rows: OutboxRow[]): { topic: string; messages: OutgoingMessage[] }[] {
  const runs: { topic: string; messages: OutgoingMessage[] }[] = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    const message = { key: row.message_key, value: row.message_value };
    if (last && last.topic === row.topic) last.messages.push(message);
    else runs.push({ topic: row.topic, messages: [message] });
  }
  return runs;
}
