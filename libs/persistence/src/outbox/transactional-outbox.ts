import type { DataSource, EntityManager } from 'typeorm';

/** One row of an outbox table: a message written in the same transaction as the state it describes. */
export interface OutboxMessage {
  id: string;
  topic: string;
  key: string;
  value: string | null;
}

/** A run of consecutive messages to one topic, in outbox (commit) order. */
export interface TopicRun {
  topic: string;
  messages: { key: string; value: string | null }[];
}

export interface TransactionalOutboxOptions {
  /** Schema-qualified table: `(id bigserial, topic text, message_key text, message_value text)`. */
  table: string;
  /** Advisory-lock id: one relay at a time per database keeps each key's messages in commit order. */
  relayLockId: number;
  /** Publishes one run and resolves once the broker acknowledged it. */
  publish: (run: TopicRun) => Promise<void>;
  pollIntervalMs: number;
  batchSize: number;
  /** Called with each failed relay attempt (the relay retries with backoff). */
  onFailure?: (error: unknown, attempt: number) => void;
  /** Called after each batch is published and deleted. */
  onRelayed?: (count: number) => void;
}

/** Result of one relay transaction: messages published, or `null` when another relay holds the lock. */
type DrainResult = number | null;

const MAX_BACKOFF_MS = 5_000;

/**
 * The transactional outbox, shared by every service that publishes state changes (policy, billing):
 * `enqueue` writes a message in the caller's transaction; the relay locks a batch (`FOR UPDATE SKIP
 * LOCKED`), publishes it in id order, deletes it, commits. A crash between publish and commit republishes
 * (consumers of compacted state topics see the same state twice). Nudged right after every commit that
 * wrote messages (low latency), polling as a fallback (rows left by a crash, a broker outage, or a commit
 * by another replica), backing off while publishing fails.
 */
export class TransactionalOutbox {
  private timer: NodeJS.Timeout | null = null;
  private active: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: TransactionalOutboxOptions,
  ) {}

  /** Writes messages in the caller's transaction; they are published once it commits. */
  async enqueue(
    tx: EntityManager,
    messages: { topic: string; key: string; value: string | null }[],
  ): Promise<void> {
    for (const message of messages) {
      await tx.query(
        `INSERT INTO ${this.options.table} (topic, message_key, message_value) VALUES ($1, $2, $3)`,
        [message.topic, message.key, message.value],
      );
    }
  }

  start(): void {
    this.stopped = false;
    this.nudge();
  }

  /** Stops polling and waits for a relay in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.active;
  }

  /** Relays now instead of at the next poll; coalesces nudges that arrive while a relay runs. */
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
          ? Math.min(this.options.pollIntervalMs * 2 ** this.failures, MAX_BACKOFF_MS)
          : this.options.pollIntervalMs;
      this.again = false;
      this.timer = setTimeout(() => this.nudge(), delay);
      this.timer.unref?.();
    });
  }

  /** Publishes everything in the outbox now and resolves when it is empty. */
  async drainNow(): Promise<void> {
    for (;;) {
      const result = await this.drainOnce();
      if (result === 0) return;
      if (result === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async pending(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM ${this.options.table}`)) as {
      n: number;
    }[];
    return row.n;
  }

  private async run(): Promise<void> {
    try {
      let published: DrainResult;
      do {
        this.again = false;
        published = await this.drainOnce();
      } while (!this.stopped && (published === this.options.batchSize || this.again));
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.options.onFailure?.(error, this.failures);
    }
  }

  private drainOnce(): Promise<DrainResult> {
    const { table, relayLockId, batchSize } = this.options;
    return this.dataSource.transaction(async (tx) => {
      const [lock] = (await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [relayLockId])) as {
        locked: boolean;
      }[];
      if (!lock.locked) return null;
      const rows = (await tx.query(
        // Qualified: a bare `id` here would be the text alias, ordering 10 before 9.
        `SELECT o.id::text AS id, o.topic, o.message_key AS key, o.message_value AS value FROM ${table} o
          ORDER BY o.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      )) as OutboxMessage[];
      if (rows.length === 0) return 0;
      for (const run of consecutiveTopicRuns(rows)) await this.options.publish(run);
      await tx.query(`DELETE FROM ${table} WHERE id = ANY($1::bigint[])`, [rows.map((row) => row.id)]);
      this.options.onRelayed?.(rows.length);
      return rows.length;
    });
  }
}

/** Groups messages into consecutive same-topic runs, keeping the global id order. */
export function consecutiveTopicRuns(messages: OutboxMessage[]): TopicRun[] {
  const runs: TopicRun[] = [];
  for (const message of messages) {
    const last = runs[runs.length - 1];
    const entry = { key: message.key, value: message.value };
    if (last && last.topic === message.topic) last.messages.push(entry);
    else runs.push({ topic: message.topic, messages: [entry] });
  }
  return runs;
}
