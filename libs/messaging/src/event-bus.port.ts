import type { Encoded, Topic } from '@pgw/contracts';

/**
 * The event-bus port. Services publish and consume through it; the Kafka adapter carries it in the
 * distributed deployment and the in-process adapter in the one-process embedded mode. kafkajs is
 * unmaintained, so nothing outside libs/messaging/src/kafka imports it. Topics are typed (`Topic<T>` from
 * @pgw/contracts): publishing a value encoded for another topic, or reading a message as another topic's
 * payload, does not compile.
 */

/**
 * The adapters' view: topics are plain names and values plain strings. Services use the typed `EventBus`
 * below; the adapters implement these raw shapes, which the typed ones are assignable to.
 */
export interface RawOutgoingMessage {
  key: string | null;
  /** null is a tombstone on a compacted topic. */
  value: string | null;
}

export interface RawIncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
}

export interface RawConsumeOptions {
  topic: string;
  groupId: string;
  handler(batch: RawIncomingMessage[]): Promise<void>;
  fromBeginning?: boolean;
  maxBatchSize?: number;
  partitionsConsumedConcurrently?: number;
}

export interface RawFollowOptions {
  topics: string[];
  onMessage(message: RawIncomingMessage): void;
}

/** A message for a `Topic<T>`: its value must come from T's codec (or be null, a tombstone). */
export interface OutgoingMessage<T = unknown> extends RawOutgoingMessage {
  value: Encoded<T> | null;
}

/** A consumed message of a `Topic<T>`; decode it with that topic's codec. */
export interface IncomingMessage<T = unknown> extends RawIncomingMessage {
  topic: Topic<T>;
}

/** The incoming message type of a topic constant (a union over a union of topics). */
export type IncomingOf<TTopic> = TTopic extends Topic<infer T> ? IncomingMessage<T> : never;

export type BatchHandler<T = unknown> = (batch: IncomingMessage<T>[]) => Promise<void>;

export interface ConsumeOptions<T = unknown> extends RawConsumeOptions {
  topic: Topic<T>;
  /** Name groups deliberately: `<app>.<feature>`. */
  groupId: string;
  handler(batch: IncomingMessage<T>[]): Promise<void>;
  fromBeginning?: boolean;
  maxBatchSize?: number;
  /** Partitions processed in parallel by this member (Kafka adapter). Default 3. */
  partitionsConsumedConcurrently?: number;
}

export interface FollowOptions<TTopics extends Topic<unknown>[] = Topic<unknown>[]> extends RawFollowOptions {
  topics: TTopics;
  /** Called in offset order per partition. Must not throw. */
  onMessage(message: IncomingOf<TTopics[number]>): void;
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
  publish<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): void;
  /** Sends and resolves once the broker acknowledged (used by outbox relays that must know). */
  publishAndWait<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): Promise<void>;
  /** A consumer group member: at-least-once; offsets are committed only after the handler resolves. */
  consume<T>(options: ConsumeOptions<T>): Promise<Subscription>;
  /** A per-instance reader of state topics from the beginning (its own group, never shared). */
  follow<const TTopics extends Topic<unknown>[]>(
    options: FollowOptions<TTopics>,
  ): Promise<FollowSubscription>;
  /** Resolves when everything queued so far was sent (or spilled). */
  flush(): Promise<void>;
  health(): BusHealth;
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol('EVENT_BUS');
