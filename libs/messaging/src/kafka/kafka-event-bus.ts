import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
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
 * kafkajs behind the event-bus port. The producer is an application-level micro-batcher (kafkajs has no
 * linger.ms): publish() only queues. When the broker is unreachable a batch is appended to the spill file
 * and a drainer replays the file, in order and with the original event ids, once the broker is back; new
 * batches go behind the spilled ones so order is kept.
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private producerConnected = false;
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
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    this.log = options.logger ?? ((message) => console.warn(`[kafka] ${message}`));
    const { Kafka, logLevel, Partitioners } = loadKafkajs();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.spill = options.spillPath
      ? new SpillFile(options.spillPath, options.spillMaxBytes ?? 256 * 1024 * 1024)
      : null;
    if (this.spilledCount() > 0) this.scheduleDrain();
  }

  publish(topic: string, messages: OutgoingMessage[]): void {
    for (const message of messages) this.queue.push({ topic, key: message.key, value: message.value });
    if (this.queue.length >= (this.options.maxBatchMessages ?? 1_000)) this.flushSoon(0);
    else this.flushSoon(this.options.lingerMs ?? 5);
  }

  async publishAndWait(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.ensureProducer();
    await this.producer.send({ topic, messages: messages.map(({ key, value }) => ({ key, value })) });
    this.connected = true;
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending = this.sending.then(() => this.sendQueued());
    await this.sending;
  }

  health(): BusHealth {
    return { connected: this.connected, buffered: this.queue.length, spilled: this.spilledCount() };
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
    if (this.producerConnected) await this.producer.disconnect().catch(() => undefined);
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
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (this.spilledCount() > 0) {
      this.spillBatch(batch); // keep order: nothing overtakes what is already spilled
      return;
    }
    try {
      for (const slice of slicesUnderBrokerLimits(batch)) await this.sendBatch(slice);
      this.connected = true;
    } catch (error) {
      this.connected = false;
      this.log(`broker unreachable, spilling ${batch.length} messages: ${describe(error)}`);
      this.spillBatch(batch);
    }
  }

  private async sendBatch(batch: SpilledMessage[]): Promise<void> {
    await this.ensureProducer();
    const byTopic = new Map<string, { key: string | null; value: string | null }[]>();
    for (const { topic, key, value } of batch) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key, value });
    }
    await this.producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  private async ensureProducer(): Promise<void> {
    if (this.producerConnected) return;
    await this.producer.connect();
    this.producerConnected = true;
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
 * A produce request must stay under the broker's message.max.bytes (1 MiB by default) per partition
 * batch, so a large queue goes out as several requests. A failure part-way spills the whole batch:
 * what was already sent is sent again, which idempotent consumers absorb.
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
