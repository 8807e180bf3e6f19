/**
 * The event-bus port. Services publish and consume through it; the Kafka adapter carries it in the
 * distributed deployment and the in-process adapter in the one-process embedded mode. kafkajs is
 * unmaintained, so nothing outside libs/messaging/src/kafka imports it.
 */
export interface OutgoingMessage {
  key: string | null;
  /** null is a tombstone on a compacted topic. */
  value: string | null;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
}

export type BatchHandler = (batch: IncomingMessage[]) => Promise<void>;

export interface ConsumeOptions {
  topic: string;
  /** Name groups deliberately: `<app>.<feature>`. */
  groupId: string;
  handler: BatchHandler;
  fromBeginning?: boolean;
  maxBatchSize?: number;
  /** Partitions processed in parallel by this member (Kafka adapter). Default 3. */
  partitionsConsumedConcurrently?: number;
}

export interface FollowOptions {
  topics: string[];
  /** Called in offset order per partition. Must not throw. */
  onMessage: (message: IncomingMessage) => void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface FollowSubscription extends Subscription {
  /** Resolves once every partition reached the high watermark seen at start. */
  readonly caughtUp: Promise<void>;
  isCaughtUp(): boolean;
}

export interface BusHealth {
  /** The broker answered the last produce or metadata request. */
  connected: boolean;
  /** Messages waiting in memory for the next batch. */
  buffered: number;
  /** Messages written to the local spill file, waiting for the broker. */
  spilled: number;
}

export interface EventBus {
  /** Queues messages and returns at once; the adapter sends them in batches and never blocks the caller. */
  publish(topic: string, messages: OutgoingMessage[]): void;
  /** Sends and resolves once the broker acknowledged (used by outbox relays that must know). */
  publishAndWait(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** A consumer group member: at-least-once; offsets are committed only after the handler resolves. */
  consume(options: ConsumeOptions): Promise<Subscription>;
  /** A per-instance reader of state topics from the beginning (its own group, never shared). */
  follow(options: FollowOptions): Promise<FollowSubscription>;
  /** Resolves when everything queued so far was sent (or spilled). */
  flush(): Promise<void>;
  health(): BusHealth;
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol('EVENT_BUS');
