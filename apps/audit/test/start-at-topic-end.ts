import { TEST_KAFKA_BROKERS } from '@pgw/testing';
// Test housekeeping only (the code under test goes through @pgw/messaging).
import { Kafka, logLevel } from 'kafkajs';

/**
 * Points a not-yet-started consumer group at the current end of the topic. The local broker is shared by
 * every test and bench run, and a fresh group would otherwise first replay the whole backlog (hundreds of
 * thousands of events after a load test); the tests only need what they publish themselves.
 */
export async function startAtTopicEnd(groupId: string, topic: string): Promise<void> {
  const admin = new Kafka({
    brokers: TEST_KAFKA_BROKERS,
    clientId: `${groupId}-offsets`,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: offsets.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } finally {
    await admin.disconnect();
  }
}
