import { Kafka, logLevel } from 'kafkajs';

export const TEST_KAFKA_BROKERS = (
  process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`
).split(',');

export interface TopicMessage {
  key: string | null;
  value: string | null;
  partition: number;
  /** The record's create time (ms since the epoch), as the producer set it. */
  timestamp: number;
}

/** Offset per partition: a high watermark from {@link topicEndOffsets}, or where a read starts. */
export type PartitionOffsets = ReadonlyMap<number, bigint>;

function testKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
}

async function fetchWatermarks(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
  const admin = testKafka('pgw-test-offsets').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * The current end (high watermark) of every partition of a topic. The local broker is shared by every test
 * and bench run and may hold GBs of backlog: capture this before a test produces anything and read with
 * {@link readTopicSince} to see only what came after.
 */
export async function topicEndOffsets(topic: string): Promise<PartitionOffsets> {
  return new Map((await fetchWatermarks(topic)).map((o) => [o.partition, o.high] as const));
}

/**
 * Reads a topic from `startOffsets` up to the high watermarks at call time. A partition absent from
 * `startOffsets` is read from its low watermark; a start below the low watermark (retention) starts there.
 */
export async function readTopicSince(topic: string, startOffsets: PartitionOffsets): Promise<TopicMessage[]> {
  const ranges = (await fetchWatermarks(topic)).map(({ partition, low, high }) => {
    const requested = startOffsets.get(partition) ?? low;
    // Clamped to what the partition holds (retention may have removed the start; a recreated topic is shorter).
    const start = requested < low ? low : requested > high ? high : requested;
    return { partition, start, high };
  });
  const remaining = new Map(
    ranges.filter((r) => r.high > r.start).map((r) => [r.partition, r.high] as const),
  );
  const messages: TopicMessage[] = [];
  if (remaining.size === 0) return messages;
  const kafka = testKafka('pgw-test-reader');
  const groupId = `pgw-test-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  // A fresh group committed at the start offsets begins there: no first fetch from the start of the backlog.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ranges.map((r) => ({ partition: r.partition, offset: String(r.start) })),
    });
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const high = remaining.get(batch.partition);
              if (high === undefined) return;
              for (const m of batch.messages) {
                // Messages produced after this call started are not part of the read.
                if (BigInt(m.offset) >= high) break;
                messages.push({
                  key: m.key?.toString() ?? null,
                  value: m.value?.toString() ?? null,
                  partition: batch.partition,
                  timestamp: Number(m.timestamp),
                });
              }
              if (BigInt(batch.lastOffset()) + 1n >= high) remaining.delete(batch.partition);
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  return messages;
}

/**
 * Points a not-yet-started consumer group at the current end of the topic. The local broker is shared by
 * every test and bench run, and a fresh group would otherwise first replay the whole backlog (hundreds of
 * thousands of events after a load test); the tests only need what they publish themselves.
 */
export async function startAtTopicEnd(groupId: string, topic: string): Promise<void> {
  const ends = await topicEndOffsets(topic);
  const admin = testKafka(`${groupId}-offsets`).admin();
  await admin.connect();
  try {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [...ends].map(([partition, high]) => ({ partition, offset: String(high) })),
    });
  } finally {
    await admin.disconnect();
  }
}
