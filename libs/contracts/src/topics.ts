import type { SameKeys } from './events/field-checks';
import type { Topic, TopicPayloads } from './topic-codec';
import topicsJson from './topics.json';

/** Every Kafka topic of the product, in one place. The broker script creates them from topics.json. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Compacted topics carry state keyed by id (latest value wins; a null value is a tombstone). */
  readonly compacted: boolean;
  /**
   * Event topics (not compacted) only: how long the broker keeps a message (`retention.ms`, set by
   * scripts/kafka/ensure-topics.js). Seven days: time for a consumer to catch up after an outage, and well
   * inside the shortest audit retention, so the log never outlives the record it feeds.
   */
  readonly retentionMs?: number;
}

export type TopicKey = keyof typeof topicsJson;

/** Compile-time check: every topic of topics.json has a payload contract and no contract lacks a topic. */
const everyTopicHasAPayload: SameKeys<TopicKey, keyof TopicPayloads> = true;
void everyTopicHasAPayload;

export const TOPIC_SPECS: Readonly<Record<TopicKey, TopicSpec>> = topicsJson;

/** Topic names, each typed with its payload contract (`TOPICS.decisions: Topic<DecisionEvent>`). */
export const TOPICS = Object.fromEntries(
  Object.entries(topicsJson).map(([key, spec]) => [key, spec.name]),
) as { readonly [K in TopicKey]: Topic<TopicPayloads[K]> };
