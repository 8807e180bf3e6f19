import type { BusHealth, RawOutgoingMessage } from '../../event-bus.port';
import type { KafkaEventBusOptions } from '../kafka-event-bus';

/** What the thread is started with: the bus options without the logger (functions don't cross threads). */
export type KafkaThreadOptions = Omit<KafkaEventBusOptions, 'logger'>;

/**
 * Messages travel as one flat array per post, (topic, key, value) repeated: structured cloning copies a
 * flat array of strings far faster than an array of small objects.
 */
export type FlatMessages = (string | null)[];

/** An incoming message as it crosses the thread boundary (a Buffer arrives as a plain Uint8Array). */
export interface WireIncoming {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Uint8Array | null;
}

export type ToKafkaThread =
  | { type: 'publish'; messages: FlatMessages }
  | { type: 'flush'; id: number }
  | { type: 'close'; id: number }
  | { type: 'publish-and-wait'; id: number; topic: string; messages: RawOutgoingMessage[] }
  | { type: 'follow'; id: number; sub: number; topics: string[] }
  | {
      type: 'consume';
      id: number;
      sub: number;
      topic: string;
      groupId: string;
      fromBeginning?: boolean;
      maxBatchSize?: number;
      partitionsConsumedConcurrently?: number;
    }
  | { type: 'unsubscribe'; id: number; sub: number }
  /** The main thread's answer to a consumer batch: `error` set when the handler threw. */
  | { type: 'handled'; call: number; error?: string };

export interface KafkaThreadHealth extends BusHealth {
  /** The producer has sent or spilled at least once, so `connected` reflects a produce attempt. */
  attempted: boolean;
}

export type FromKafkaThread =
  | { type: 'health'; health: KafkaThreadHealth }
  /** The answer to a request with an id; `error` set when it failed. */
  | { type: 'done'; id: number; health: KafkaThreadHealth; error?: string }
  | { type: 'messages'; sub: number; messages: WireIncoming[] }
  | { type: 'caught-up'; sub: number }
  | { type: 'batch'; sub: number; call: number; messages: WireIncoming[] }
  | { type: 'log'; message: string };
