/**
 * What a consumer publishes to the dead-letter topic when it cannot read a message. It carries the
 * coordinates and the reason, never the message value (it could hold anything, including text).
 */
export interface DeadLetterRecord {
  source_topic: string;
  partition: number;
  offset: string;
  consumer: string;
  reason: string;
  value_bytes: number;
  dead_lettered_at: string;
}
