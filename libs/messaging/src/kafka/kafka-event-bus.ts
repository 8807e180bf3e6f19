import { randomUUID } from 'node:crypto';
import type { Topic } from '@pgw/contracts';
import type { Consumer, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type {
  BusHealth,
  ConsumeOptions,
  RawConsumeOptions,
  EventBus,
  FollowOptions,
  RawFollowOptions,
  FollowSubscription,
  OutgoingMessage,
  Subscription,
} from '../event-bus.port';
import { describeError, retryUntilSuccess } from '../retry';
import {
  CONSUMER_CLIENT_RETRY,
  CONSUMER_SESSION,
  loadKafkajs,
  MAX_SLICE_MESSAGES,
  READER_SILENCE_MS,
  REPLAY_CHUNK_BYTES,
  slicesUnderBrokerLimits,
  toIncoming,
} from './kafka-support';
import { type KafkaSecurity, kafkajsSecurity } from './kafka-security';
import { type LoggedMessage, WriteAheadLog } from './write-ahead-log';

type SpilledMessage = LoggedMessage;

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  /** TLS and SASL for every connection (producer, consumers, followers, admin); kafkaSecurityFromEnv(). */
  security?: KafkaSecurity;
  /**
   * The local event log's directory: every published message is appended there before publish()
   * returns and replayed from there (also after a restart) until the broker acknowledged it. Without it
   * a failed batch is kept in memory and retried.
   */
  logDir?: string;
  /** Bytes the log may hold unacknowledged (default 256 MB); past it messages wait in memory. */
  logMaxBytes?: number;
  /** 0 (default): the log is in the page cache (survives a process kill); n: fsync'ed every n ms. */
  logFsyncIntervalMs?: number;
  /** A spill file from before the log existed (same line format), replayed once and deleted. */
  legacySpillPath?: string;
  /** A batch is sent when this many messages are queued, or after lingerMs, whichever comes first. */
  maxBatchMessages?: number;
  lingerMs?: number;
  logger?: (message: string) => void;
}

/**
 * Kafka behind the event-bus port, on kafkajs for everything: an idempotent producer, consumers,
 * followers. With a log (logDir), publish() first appends the messages to the local write-ahead log (one
 * write, page cache), then, while the broker answers ("live"), to an in-memory queue sent by a
 * micro-batcher (linger.ms) in one produce call per slice; the log is acknowledged as sends are. When a
 * send fails, nothing stays in memory: the unacknowledged part of the log becomes backlog and new messages
 * go only to the log ("backlog" mode) until the replayer, which reads the backlog back from disk a bounded
 * chunk at a time, gets an answer. Then new messages go live again at once while the replayer sends the
 * backlog, in log order and with the original event ids, alongside: new events never wait behind a replay,
 * and a restart replays what an earlier run left.
 *
 * The producer is idempotent (one request in flight per broker, acks from every in-sync replica): a request
 * kafkajs retries after a lost answer or a leader change is written once. A chunk the replayer sends again
 * after a failed send is a new produce call and may still repeat events; consumers dedupe by event id.
 * Keyed messages go where the Java client puts them (kafkajs's DefaultPartitioner is its murmur2).
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private producer: Promise<Producer> | null = null;
  /** Group consumers (consume()): same brokers, long connection retries (see CONSUMER_CLIENT_RETRY). */
  private readonly consumerKafka: Kafka;
  /** Published messages waiting for the next send (live mode). */
  private queue: SpilledMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private readonly log$: WriteAheadLog | null;
  /** Without a log (or with a full one): messages a failed send left, retried from memory. */
  private memorySpill: SpilledMessage[] = [];
  /** live: new messages also go into the send queue; backlog: only into the log (broker away). */
  private mode: 'live' | 'backlog' = 'live';
  private replayTimer: NodeJS.Timeout | null = null;
  private replaying = false;
  private connected = false;
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();
  /** Each consumer's last contact with the broker (ms; 0 after a crash). */
  private readonly readers = new Map<Consumer, number>();
  private readonly log: (message: string) => void;

  constructor(private readonly options: KafkaEventBusOptions) {
    this.log = options.logger ?? ((message) => console.warn(`[kafka] ${message}`));
    const { Kafka, logLevel } = loadKafkajs();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...kafkajsSecurity(options.security),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      // TLS and SASL add round trips to each new connection.
      authenticationTimeout: 5_000,
      requestTimeout: 5_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.consumerKafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...kafkajsSecurity(options.security),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      authenticationTimeout: 5_000,
      requestTimeout: 5_000,
      retry: CONSUMER_CLIENT_RETRY,
    });
    this.log$ = options.logDir
      ? new WriteAheadLog(options.logDir, {
          maxBytes: options.logMaxBytes,
          fsyncIntervalMs: options.logFsyncIntervalMs,
          legacySpillPath: options.legacySpillPath,
        })
      : null;
    if (this.spilledCount() > 0) this.scheduleReplay(0);
  }

  publish<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): void {
    if (this.log$) {
      if (!this.log$.append(topic, messages)) {
        if (this.memorySpill.length === 0) this.log('event log full: new messages are held in memory only');
        this.memorySpill.push(...messages.map(({ key, value }) => ({ topic, key, value })));
        this.scheduleReplay();
        return;
      }
      if (this.mode === 'backlog') return; // on disk; the replayer sends it once the broker answers
    } else if (this.memorySpill.length > 0) {
      this.memorySpill.push(...messages.map(({ key, value }) => ({ topic, key, value })));
      return;
    }
    for (const { key, value } of messages) this.queue.push({ topic, key, value });
    if (this.queue.length >= (this.options.maxBatchMessages ?? 1_000)) this.flushSoon(0);
    else this.flushSoon(this.options.lingerMs ?? 5);
  }

  async publishAndWait<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): Promise<void> {
    await this.send(messages.map(({ key, value }) => ({ topic, key, value })));
    this.connected = true;
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sending = this.sending.then(() => this.sendQueued());
    await this.sending;
  }

  health(): BusHealth {
    const buffered = this.queue.length;
    return { connected: this.connected && this.readersConnected(), buffered, spilled: this.spilledCount() };
  }

  async consume<T>(typed: ConsumeOptions<T>): Promise<Subscription> {
    // Delivered messages carry the subscribed topic's name, so the typed options are read as raw ones here.
    const options: RawConsumeOptions = typed;
    const consumer = this.consumerKafka.consumer({ groupId: options.groupId, ...CONSUMER_SESSION });
    this.watch(consumer);
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
            () => stopped || !isRunning() || isStale(),
            (error, attempt) => {
              this.log(`handler for ${options.groupId} failed (attempt ${attempt}): ${describeError(error)}`);
              // Still a live member while the handler waits for its database: no rebalance meanwhile.
              heartbeat().catch(() => undefined);
            },
            1_000,
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

  async follow<const TTopics extends Topic<unknown>[]>(
    typed: FollowOptions<TTopics>,
  ): Promise<FollowSubscription> {
    // Delivered messages carry the subscribed topic's name, so the typed options are read as raw ones here.
    const options: RawFollowOptions = typed;
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
    // Followers keep the fast-failing client: with the long retries the gateway's start (state read under
    // the CPU load of compiling policies) measured 35-40 s to ready against ~18 s.
    const consumer: Consumer = this.kafka.consumer({
      groupId: `${this.options.clientId}.follower.${randomUUID()}`,
      ...CONSUMER_SESSION,
    });
    this.watch(consumer);
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
    if (this.replayTimer) clearTimeout(this.replayTimer);
    for (const subscription of [...this.subscriptions]) await subscription.close();
    const producer = this.producer;
    this.producer = null;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
    this.log$?.close();
  }

  /**
   * A consumer's last sign of the broker (a fetch, a heartbeat, a join): health() reports the bus
   * disconnected when one crashed or has heard nothing for READER_SILENCE_MS (an idle fetch returns at
   * least every 5 s), so readiness follows the broker's outages and returns.
   */
  private watch(consumer: Consumer): void {
    const seen = () => this.readers.set(consumer, Date.now());
    const lost = () => this.readers.set(consumer, 0);
    const { CONNECT, GROUP_JOIN, FETCH, HEARTBEAT, CRASH, DISCONNECT, STOP } = consumer.events;
    for (const event of [CONNECT, GROUP_JOIN, FETCH, HEARTBEAT]) consumer.on(event, seen);
    consumer.on(CRASH, (event) => {
      lost();
      const { error, groupId, restart } = event.payload;
      this.log(
        `consumer ${groupId} crashed (${restart ? 'restarting' : 'stopped'}): ${describeError(error)}`,
      );
    });
    consumer.on(DISCONNECT, lost);
    consumer.on(STOP, () => this.readers.delete(consumer));
    seen();
  }

  private readersConnected(): boolean {
    const now = Date.now();
    for (const last of this.readers.values()) if (now - last > READER_SILENCE_MS) return false;
    return true;
  }

  private track(closeFn: () => Promise<void>): Subscription {
    const subscription: Subscription = {
      close: async () => {
        if (!this.subscriptions.delete(subscription)) return;
        await closeFn().catch((error) => this.log(`closing a consumer failed: ${describeError(error)}`));
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
    const queued = this.queue;
    this.queue = [];
    const upTo = this.log$?.position();
    try {
      for (const slice of slicesUnderBrokerLimits(queued)) await this.send(slice);
      this.connected = true;
      if (upTo) this.log$!.ackLive(upTo);
    } catch (error) {
      this.connected = false;
      if (this.log$) {
        // All of it is in the log: drop the in-memory copies and let the replayer take over.
        this.log(
          `broker unreachable, ${this.log$.position().records} events wait in the local log: ${describeError(error)}`,
        );
        this.mode = 'backlog';
        this.queue = [];
        this.log$.toBacklog();
      } else {
        this.log(`broker unreachable, keeping ${queued.length} messages in memory: ${describeError(error)}`);
        this.memorySpill.push(...queued);
      }
      this.scheduleReplay();
    }
  }

  /** One produce call: kafkajs groups the messages by leader, one request per broker, in order per partition. */
  private async send(messages: SpilledMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, value } of messages) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key, value });
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
    const producer = await this.connectedProducer();
    try {
      await producer.sendBatch({ topicMessages, acks: -1 });
    } catch (error) {
      // A producer whose connection broke is made anew on the next send (kafkajs does not reconnect it).
      if (this.producer) {
        const broken = this.producer;
        this.producer = null;
        void broken.then((p) => p.disconnect()).catch(() => undefined);
      }
      throw error;
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const { Partitioners } = loadKafkajs();
      const producer = this.kafka.producer({
        idempotent: true,
        // kafkajs's rule for an idempotent producer: one request in flight per broker connection.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      const connecting = producer.connect().then(() => producer);
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = null;
      });
      this.producer = connecting;
    }
    return this.producer;
  }

  private spilledCount(): number {
    const waiting = this.mode === 'backlog' ? (this.log$?.activeUnacked() ?? 0) : 0;
    return (this.log$?.backlogRecords() ?? 0) + waiting + this.memorySpill.length;
  }

  private scheduleReplay(delayMs = 500): void {
    if (this.replayTimer || this.replaying || this.closed) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null;
      void this.replay();
    }, delayMs);
    this.replayTimer.unref();
  }

  /**
   * Sends the backlog a chunk at a time, oldest first, on its own chain (the live sender does not wait
   * for it). The first answer from the broker switches new messages back to live.
   */
  private async replay(): Promise<void> {
    this.replaying = true;
    let sent = 0;
    let started = 0;
    try {
      for (;;) {
        if (this.closed) return;
        const next = this.log$?.nextBacklog();
        const chunk = next ? this.log$!.read(next.seq, REPLAY_CHUNK_BYTES) : null;
        const messages = chunk ? chunk.messages : this.memorySpill.slice(0, MAX_SLICE_MESSAGES);
        if (!chunk && messages.length === 0) {
          if (this.mode === 'live' || !this.log$ || this.log$.activeUnacked() === 0) break;
          this.log$.toBacklog(); // backlog mode with nothing sealed yet: what the log took is next
          continue;
        }
        // kafkajs sends a partition's messages as one record batch, which the broker refuses past
        // message.max.bytes (1 MB by default), and one project's events share a partition: the chunk goes
        // out in slices under that limit, in order.
        for (const slice of slicesUnderBrokerLimits(messages)) await this.send(slice);
        if (this.closed) return;
        if (chunk) this.log$!.ackChunk(chunk);
        else this.memorySpill.splice(0, messages.length);
        if (sent === 0) {
          started = Date.now();
          this.log(`broker answers: replaying ${messages.length + this.spilledCount()} logged messages`);
        }
        sent += messages.length;
        this.connected = true;
        if (this.mode === 'backlog') {
          // The broker is back: what the log took meanwhile is backlog too, and new messages go live.
          this.mode = 'live';
          this.log$?.toBacklog();
        }
      }
      if (sent > 0) this.log(`replayed ${sent} logged messages in ${Date.now() - started} ms`);
    } catch (error) {
      // Still away (a chunk is sent again whole: consumers are idempotent by event id).
      this.connected = false;
      if (sent > 0) this.log(`replayed ${sent} logged messages, then: ${describeError(error)}`);
      this.replaying = false;
      this.scheduleReplay(500);
      return;
    }
    this.replaying = false;
  }
}
