import { randomUUID } from 'node:crypto';
import { TOPICS, uncheckedEncoded } from '@pgw/contracts';
import { readTopicSince, TEST_KAFKA_BROKERS, topicEndOffsets, waitFor } from '@pgw/testing';
import { KafkaEventBus } from '@pgw/messaging';

/**
 * The partition the hand-written producer this bus had before kafkajs's put a key on (its murmur2.ts,
 * the Java client's DefaultPartitioner): keys must keep their partitions across the change, or a
 * project's events would reorder while both versions run in a rolling update.
 */
function partitionAsBefore(key: string, partitionCount: number): number {
  const data = Buffer.from(key);
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ data.length;
  const tail = data.length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[tail], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return (h & 0x7fffffff) % partitionCount;
}

describe('KafkaEventBus producing with kafkajs (real broker)', () => {
  let bus: KafkaEventBus;
  beforeEach(
    () =>
      (bus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `produce-test-${randomUUID()}` })),
  );
  afterEach(() => bus.close());

  it('puts keyed messages on the partition the earlier producer (and the Java client) picked, in publish order per key, values and timestamps intact', async () => {
    const run = randomUUID();
    const since = await topicEndOffsets(TOPICS.usage);
    const before = Date.now();
    const published: { key: string | null; value: string }[] = [];
    for (let i = 0; i < 600; i++) {
      // Project-id-like keys of every length mod 4 (the hash's tail cases).
      const key = i % 13 === 0 ? null : `prj_${'0'.repeat(i % 4)}${i % 11}`;
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
      if (m.key !== null) expect(m.partition).toBe(partitionAsBefore(m.key, 3));
      expect(m.timestamp).toBeGreaterThanOrEqual(before);
      expect(m.timestamp).toBeLessThanOrEqual(Date.now());
    }
    for (const key of new Set(published.map((m) => m.key).filter((k) => k !== null))) {
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
