import { Kafka, logLevel } from 'kafkajs';

export const TEST_KAFKA_BROKERS = (
  process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`
).split(',');

/** Reads every message currently on a topic (from the beginning up to the high watermarks). */
export async function readWholeTopic(topic: string): Promise<{ key: string | null; value: string | null }[]> {
  const kafka = new Kafka({
    clientId: 'pgw-test-reader',
    brokers: TEST_KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)] as const),
  );
  const messages: { key: string | null; value: string | null }[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({
    groupId: `pgw-test-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            messages.push({ key: m.key?.toString() ?? null, value: m.value?.toString() ?? null });
          }
          const last = BigInt(batch.messages[batch.messages.length - 1]?.offset ?? '-1');
          const high = remaining.get(batch.partition);
          if (high !== undefined && last + 1n >= high) remaining.delete(batch.partition);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return messages;
}
