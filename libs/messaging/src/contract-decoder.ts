import { TOPIC_CODECS, TOPICS, type DeadLetterRecord, type DecodeResult } from '@pgw/contracts';
import type { EventBus, IncomingMessage } from './event-bus.port';

export interface DecodedBatch<T> {
  valid: T[];
  deadLettered: number;
}

/**
 * Splits a consumed batch into what validates and what does not; the latter goes to the dead-letter
 * topic with its coordinates and the reason (never its value), so a poison message never blocks its
 * partition and is never silently dropped.
 */
export function decodeBatch<T>(
  bus: EventBus,
  consumer: string,
  batch: IncomingMessage[],
  decode: (value: Buffer | null) => DecodeResult<T>,
): DecodedBatch<T> {
  const valid: T[] = [];
  const dead: DeadLetterRecord[] = [];
  for (const message of batch) {
    const result = decode(message.value);
    if (result.ok) valid.push(result.value);
    else
      dead.push({
        source_topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        consumer,
        reason: result.reason,
        value_bytes: message.value?.length ?? 0,
        dead_lettered_at: new Date().toISOString(),
      });
  }
  if (dead.length > 0) {
    bus.publish(
      TOPICS.deadLetter,
      dead.map((record) => ({
        key: `${record.source_topic}:${record.partition}`,
        value: TOPIC_CODECS.deadLetter.encode(record),
      })),
    );
  }
  return { valid, deadLettered: dead.length };
}
