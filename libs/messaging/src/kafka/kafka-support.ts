import type { RawIncomingMessage } from '../event-bus.port';
import type { LoggedMessage } from './write-ahead-log';

/**
 * Consumer group session: a member that died is given up after 6 s (the broker's minimum) instead of
 * kafkajs's 30 s; heartbeats every second. A broker outage is ridden out by retrying (~2 min) rather than
 * by kafkajs's crash-and-restart, which forgets the member id: a restarted broker still lists the old
 * member and a new one waits for it to expire, while the same member id rejoins at once.
 */
export const CONSUMER_SESSION = {
  allowAutoTopicCreation: false,
  sessionTimeout: 6_000,
  heartbeatInterval: 1_000,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 1_000,
  retry: { retries: 120, initialRetryTime: 200, maxRetryTime: 1_000 },
} as const;

/**
 * Connection retries of the client behind consume()'s group consumers. kafkajs's consumer rides out an outage
 * only as long as its cluster's connection retries last: past them it crashes and restarts as a new group
 * member, and a restarted broker, which reloads the old member from __consumer_offsets, holds the new one's
 * join until the old one's session expires (~6 s after the broker's return, measured in the chaos suite).
 * Retrying for ~5 minutes keeps the member id through an outage, so the consumer resumes as soon as it
 * reconnects (~2 s). Producing and metadata keep their fast-failing client (the event log takes over).
 */
export const CONSUMER_CLIENT_RETRY = { retries: 300, initialRetryTime: 200, maxRetryTime: 1_000 } as const;

/** No fetch or heartbeat for this long (both come every second or so): the broker is away. */
export const READER_SILENCE_MS = 5_000;

/**
 * Queued and spilled messages (a replayed spill file can hold millions) are sent a bounded slice at a
 * time, one produce call each: 512 KB of values keeps every partition's batch under the broker's
 * message.max.bytes (1 MB by default). A failure part-way spills the whole slice: what was already sent is
 * sent again, which idempotent consumers absorb.
 */
export const MAX_SLICE_MESSAGES = 500;
export const MAX_SLICE_BYTES = 512 * 1024;

/**
 * The backlog is read back from disk this much at a time, then sent in slices under the broker's
 * message.max.bytes (slicesUnderBrokerLimits); the chunk is acknowledged in the log once all its slices are.
 */
export const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;

export function slicesUnderBrokerLimits(messages: LoggedMessage[]): LoggedMessage[][] {
  const slices: LoggedMessage[][] = [];
  let current: LoggedMessage[] = [];
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

export function toIncoming(
  topic: string,
  partition: number,
  message: { offset: string; key: Buffer | null; value: Buffer | null },
): RawIncomingMessage {
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
export function loadKafkajs(): typeof import('kafkajs') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('kafkajs') as typeof import('kafkajs');
}
