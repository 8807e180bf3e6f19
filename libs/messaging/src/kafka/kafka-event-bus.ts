import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type {
  BusHealth,
  ConsumeOptions,
  EventBus,
  FollowOptions,
  FollowSubscription,
  IncomingMessage,
  OutgoingMessage,
  Subscription,
} from '../event-bus.port';
import { retryUntilSuccess } from '../retry';
import { type ClusterMetadata, RecordBatchProducer } from './produce/record-batch-producer';
import { SpillFile, type SpilledMessage } from './spill-file';

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  /** Where undeliverable batches go; without it a failed batch is kept in memory and retried. */
  spillPath?: string;
  spillMaxBytes?: number;
  /** A batch is sent when this many messages are queued, or after lingerMs, whichever comes first. */
  maxBatchMessages?: number;
  lingerMs?: number;
  logger?: (message: string) => void;
}

/**
 * Kafka behind the event-bus port: kafkajs for consumers, followers and cluster metadata, and our own
 * RecordBatchProducer for producing. The producer is a micro-batcher (linger.ms): publish() writes the
 * message into its partition's record batch and returns. When the broker is unreachable a batch is
 * appended to the spill file and a drainer replays the file, in order and with the original event ids,
 * once the broker is back; new batches go behind the spilled ones so order is kept.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: RecordBatchProducer;
  private admin: Admin | null = null;
  /** Messages published before their topic's partitions were known, or while a spill is pending. */
  private queue: SpilledMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private readonly spill: SpillFile | null;
  private memorySpill: SpilledMessage[] = [];
  private drainTimer: NodeJS.Timeout | null = null;
  private connected = false;
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();
  private readonly log: (message: string) => void;

  constructor(private readonly options: KafkaEventBusOptions) {
    this.log = options.logger ?? ((message) => console.warn(`[kafka] ${message}`));
    const { Kafka, logLevel } = loadKafkajs();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.producer = new RecordBatchProducer({
      clientId: options.clientId,
      metadata: (topics) => this.clusterMetadata(topics),
      timeoutMs: 5_000,
    });
    this.spill = options.spillPath
      ? new SpillFile(options.spillPath, options.spillMaxBytes ?? 256 * 1024 * 1024)
      : null;
    if (this.spilledCount() > 0) this.scheduleDrain();
  }

  publish(topic: string, messages: OutgoingMessage[]): void {
    // Straight into the record batches unless something published earlier still waits in the queue
    // (unknown topic, pending spill): then behind it, so the order within a partition holds.
    const direct = this.queue.length === 0 && this.spilledCount() === 0 && this.producer.knows(topic);
    for (const { key, value } of messages) {
      if (direct) this.producer.append(topic, key, value);
      else this.queue.push({ topic, key, value });
    }
    if (this.queue.length + this.producer.pending >= (this.options.maxBatchMessages ?? 1_000))
      this.flushSoon(0);
    else this.flushSoon(this.options.lingerMs ?? 5);
  }

  async publishAndWait(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const batches = await this.producer.batchesOf(messages.map(({ key, value }) => ({ topic, key, value })));
    await this.producer.send(batches, 3);
    this.connected = true;
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending = this.sending.then(() => this.sendQueued());
    await this.sending;
  }

  health(): BusHealth {
    const buffered = this.queue.length + this.producer.pending;
    return { connected: this.connected, buffered, spilled: this.spilledCount() };
  }

  async consume(options: ConsumeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
    let stopped = false;
    const maxBatch = options.maxBatchSize ?? 1_000;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // One batch per partition in flight: order holds within a partition, partitions proceed in parallel.
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const messages = batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m));
        for (let start = 0; start < messages.length; start += maxBatch) {
          if (!isRunning() || isStale()) return;
          const slice = messages.slice(start, start + maxBatch);
          const done = await retryUntilSuccess(
            async () => {
              await options.handler(slice);
              return true;
            },
            () => stopped || !isRunning(),
            (error, attempt) =>
              this.log(`handler for ${options.groupId} failed (attempt ${attempt}): ${describe(error)}`),
          );
          if (!done) return;
          const last = slice[slice.length - 1].offset;
          resolveOffset(last);
          // Offsets move only after the handler's database transaction committed: at-least-once.
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
          ]);
          await heartbeat();
        }
      },
    });
    this.connected = true;
    return this.track(async () => {
      stopped = true;
      await consumer.disconnect();
    });
  }

  async follow(options: FollowOptions): Promise<FollowSubscription> {
    const admin = this.kafka.admin();
    await admin.connect();
    const remaining = new Map<string, bigint>();
    try {
      for (const topic of options.topics) {
        for (const partition of await admin.fetchTopicOffsets(topic)) {
          const high = BigInt(partition.high);
          if (high > BigInt(partition.low)) remaining.set(`${topic}:${partition.partition}`, high);
        }
      }
    } finally {
      await admin.disconnect();
    }
    let resolveCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
    if (remaining.size === 0) resolveCaughtUp();
    // Each instance gets its own group so every replica reads every partition from the beginning.
    const consumer: Consumer = this.kafka.consumer({
      groupId: `${this.options.clientId}.follower.${randomUUID()}`,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          options.onMessage(toIncoming(batch.topic, batch.partition, message));
        }
        const key = `${batch.topic}:${batch.partition}`;
        const high = remaining.get(key);
        const last = batch.messages.length ? BigInt(batch.messages[batch.messages.length - 1].offset) : -1n;
        if (high !== undefined && last + 1n >= high) {
          remaining.delete(key);
          if (remaining.size === 0) resolveCaughtUp();
        }
      },
    });
    this.connected = true;
    const subscription = this.track(async () => {
      await consumer.disconnect();
    });
    return { caughtUp, isCaughtUp: () => remaining.size === 0, close: () => subscription.close() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    for (const subscription of [...this.subscriptions]) await subscription.close();
    this.producer.close();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  private track(closeFn: () => Promise<void>): Subscription {
    const subscription: Subscription = {
      close: async () => {
        if (!this.subscriptions.delete(subscription)) return;
        await closeFn().catch((error) => this.log(`closing a consumer failed: ${describe(error)}`));
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sending = this.sending.then(() => this.sendQueued());
    }, delayMs);
    this.timer.unref();
  }

  private async sendQueued(): Promise<void> {
    if (this.queue.length === 0 && this.producer.pending === 0) return;
    // Everything in the record batches was published before everything in the queue (see publish).
    const direct = this.producer.takeOpen();
    const queued = this.queue;
    this.queue = [];
    if (this.spilledCount() > 0) {
      // keep order: nothing overtakes what is already spilled
      this.spillBatch([...direct.messages(), ...queued]);
      return;
    }
    let directSent = false;
    try {
      await this.producer.send(direct);
      directSent = true;
      for (const slice of slicesUnderBrokerLimits(queued)) await this.sendBatch(slice);
      this.connected = true;
    } catch (error) {
      this.connected = false;
      const batch = [...(directSent ? [] : direct.messages()), ...queued];
      this.log(`broker unreachable, spilling ${batch.length} messages: ${describe(error)}`);
      this.spillBatch(batch);
    }
  }

  private async sendBatch(batch: SpilledMessage[]): Promise<void> {
    await this.producer.send(await this.producer.batchesOf(batch));
  }

  /** Partition leaders and broker addresses, from kafkajs's admin client (connected on first use). */
  private async clusterMetadata(topics: string[]): Promise<ClusterMetadata> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    try {
      const [cluster, metadata] = await Promise.all([
        this.admin.describeCluster(),
        this.admin.fetchTopicMetadata({ topics }),
      ]);
      const brokers = new Map(cluster.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
      const leaders = new Map<string, number[]>();
      for (const topic of metadata.topics) {
        const byPartition: number[] = [];
        for (const p of topic.partitions) byPartition[p.partitionId] = p.leader;
        leaders.set(topic.name, byPartition);
      }
      return { brokers, leaders };
    } catch (error) {
      const admin = this.admin;
      this.admin = null;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private spillBatch(batch: SpilledMessage[]): void {
    if (this.spill) {
      try {
        this.spill.append(batch);
      } catch (error) {
        this.log(`spill failed, keeping ${batch.length} messages in memory: ${describe(error)}`);
        this.memorySpill.push(...batch);
      }
    } else {
      this.memorySpill.push(...batch);
    }
    this.scheduleDrain();
  }

  private spilledCount(): number {
    return (this.spill?.depth ?? 0) + this.memorySpill.length;
  }

  private scheduleDrain(delayMs = 500): void {
    if (this.drainTimer || this.closed) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.sending = this.sending.then(() => this.drainSpill());
    }, delayMs);
    this.drainTimer.unref();
  }

  /** Replays spilled messages in their original order, then lets new batches flow directly again. */
  private async drainSpill(): Promise<void> {
    const spilled = [...(this.spill?.readAll() ?? []), ...this.memorySpill];
    if (spilled.length === 0) return;
    try {
      for (const slice of slicesUnderBrokerLimits(spilled)) await this.sendBatch(slice);
      this.spill?.clear();
      this.memorySpill = [];
      this.connected = true;
      this.log(`replayed ${spilled.length} spilled messages`);
    } catch {
      // Still away. A partly replayed file is replayed again whole: consumers are idempotent by event id.
      this.connected = false;
      this.scheduleDrain(1_000);
    }
  }
}

/**
 * Queued and spilled messages (a replayed spill file can hold millions) are encoded and sent a bounded
 * slice at a time, so one send's batches stay small; the producer itself splits any partition batch past
 * the broker's message.max.bytes. A failure part-way spills the whole batch: what was already sent is
 * sent again, which idempotent consumers absorb.
 */
const MAX_SLICE_MESSAGES = 500;
const MAX_SLICE_BYTES = 512 * 1024;

function slicesUnderBrokerLimits(messages: SpilledMessage[]): SpilledMessage[][] {
  const slices: SpilledMessage[][] = [];
  let current: SpilledMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64;
    if (current.length > 0 && (current.length >= MAX_SLICE_MESSAGES || bytes + size > MAX_SLICE_BYTES)) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

function toIncoming(
  topic: string,
  partition: number,
  message: { offset: string; key: Buffer | null; value: Buffer | null },
): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    value: message.value,
  };
}

/**
 * kafkajs is required when a bus is created, not when this module is imported: a process that talks to
 * Kafka only through ThreadedKafkaEventBus never loads it on its main thread (~12 MB of RSS).
 */
function loadKafkajs(): typeof import('kafkajs') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('kafkajs') as typeof import('kafkajs');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
