import { randomUUID } from 'node:crypto';
import { TOPICS, uncheckedEncoded } from '@pgw/contracts';
import { readTopicSince, TEST_KAFKA_BROKERS, topicEndOffsets, waitFor } from '@pgw/testing';
import { KafkaEventBus } from '@pgw/messaging';

// kafkajs's partitioner hash, the reference: a key must land where kafkajs (and the Java client) put it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer,
) => number;

describe('KafkaEventBus producing with its RecordBatchProducer (real broker)', () => {
  let bus: KafkaEventBus;
  beforeEach(
    () =>
      (bus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `produce-test-${randomUUID()}` })),
  );
  afterEach(() => bus.close());

  it('puts keyed messages on the partition kafkajs would pick, in publish order per key, values and timestamps intact', async () => {
    const run = randomUUID();
    const since = await topicEndOffsets(TOPICS.usage);
    const before = Date.now();
    const published: { key: string | null; value: string }[] = [];
    for (let i = 0; i < 600; i++) {
      const key = i % 13 === 0 ? null : `prj_${i % 11}`;
      const value = `${run}:${i}:ünïcødé ✓ ${'x'.repeat(i % 200)}`;
      published.push({ key, value });
      bus.publish(TOPICS.usage, [{ key, value: uncheckedEncoded(value) }]); // transport test: any bytes
      if (i === 300) await bus.flush(); // two batches, the second on a warm connection
    }
    await bus.flush();
    expect(bus.health()).toMatchObject({ connected: true, buffered: 0, spilled: 0 });

    const ours = async () =>
      (await readTopicSince(TOPICS.usage, since)).filter((m) => m.value?.startsWith(`${run}:`));
    await waitFor(async () => (await ours()).length >= published.length, { description: 'our messages' });
    const received = await ours();
    expect(received.map((m) => m.value).sort()).toEqual(published.map((m) => m.value).sort());
    for (const m of received) {
      if (m.key !== null) expect(m.partition).toBe((kafkajsMurmur2(Buffer.from(m.key)) & 0x7fffffff) % 3);
      expect(m.timestamp).toBeGreaterThanOrEqual(before);
      expect(m.timestamp).toBeLessThanOrEqual(Date.now());
    }
    for (let k = 0; k < 11; k++) {
      const key = `prj_${k}`;
      const order = (list: { key: string | null; value: string | null }[]) =>
        list.filter((m) => m.key === key).map((m) => m.value);
      expect(order(received)).toEqual(order(published));
    }
    // Unkeyed messages are spread over the partitions (round robin), not piled on one.
    const unkeyedPartitions = new Set(received.filter((m) => m.key === null).map((m) => m.partition));
    expect(unkeyedPartitions.size).toBeGreaterThan(1);
  });

  // On the dead-letter topic: nothing follows or consumes it, so no service in a parallel test reads it.
  it('publishAndWait resolves once the broker holds the message', async () => {
    const run = randomUUID();
    const since = await topicEndOffsets(TOPICS.deadLetter);
    await bus.publishAndWait(TOPICS.deadLetter, [
      { key: `produce-test-${run}`, value: uncheckedEncoded(`${run}:state`) },
    ]);
    const held = (await readTopicSince(TOPICS.deadLetter, since)).filter(
      (m) => m.key === `produce-test-${run}`,
    );
    expect(held.map((m) => m.value)).toEqual([`${run}:state`]);
  });
});
