import { randomUUID } from 'node:crypto';
import { TOPICS } from '@pgw/contracts';
import { TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { InProcessEventBus, KafkaEventBus, type EventBus, type IncomingMessage } from '@pgw/messaging';

/** The same contract, checked on both adapters: the real broker and the in-process bus. */
describe.each([
  ['kafka', () => new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `bus-test-${randomUUID()}` })],
  ['in-process', () => new InProcessEventBus()],
])('event bus (%s)', (_name, makeBus: () => EventBus) => {
  let bus: EventBus;
  beforeEach(() => (bus = makeBus()));
  afterEach(() => bus.close());

  it('delivers every published message once per group, in batches, retrying a failing handler', async () => {
    const run = randomUUID();
    const seen = new Map<string, number>();
    let failures = 1;
    await bus.consume({
      topic: TOPICS.usage,
      groupId: `bus-test-${run}`,
      handler: async (batch: IncomingMessage[]) => {
        const ours = batch.filter((m) => m.value?.toString().startsWith(run));
        if (ours.length > 0 && failures-- > 0) throw new Error('transient'); // offsets must not move
        for (const m of ours) seen.set(m.value!.toString(), (seen.get(m.value!.toString()) ?? 0) + 1);
      },
    });
    const total = 1_200; // more than one producer slice
    for (let i = 0; i < total; i++) bus.publish(TOPICS.usage, [{ key: `k${i % 7}`, value: `${run}:${i}` }]);
    await bus.flush();
    await waitFor(() => seen.size === total, { timeoutMs: 30_000, description: `${total} messages` });
    expect([...seen.values()].every((count) => count >= 1)).toBe(true);
    expect(bus.health().spilled).toBe(0);
  });

  it('lets a handler publish and flush without waiting for its own delivery', async () => {
    const run = randomUUID();
    let handled = 0;
    await bus.consume({
      topic: TOPICS.usage,
      groupId: `bus-test-${run}`,
      handler: async (batch: IncomingMessage[]) => {
        const ours = batch.filter((m) => m.value?.toString().startsWith(run));
        if (ours.length === 0) return;
        bus.publish(TOPICS.deadLetter, [{ key: run, value: `${run}:forwarded` }]);
        await bus.flush(); // must return although this very delivery is still in progress
        handled += ours.length;
      },
    });
    bus.publish(TOPICS.usage, [{ key: 'k', value: `${run}:1` }]);
    await waitFor(() => handled === 1, { timeoutMs: 30_000, description: 'the handler to finish its flush' });
    expect(handled).toBe(1);
  });

  it('lets a follower read a compacted topic from the beginning and report when it caught up', async () => {
    const key = `bus-test-${randomUUID()}`;
    await bus.publishAndWait(TOPICS.projectState, [
      { key, value: JSON.stringify({ v: 1 }) },
      { key, value: JSON.stringify({ v: 2 }) },
    ]);
    const latest = new Map<string, string | null>();
    const follower = await bus.follow({
      topics: [TOPICS.projectState],
      onMessage: (m) => latest.set(m.key ?? '', m.value?.toString() ?? null),
    });
    await follower.caughtUp;
    expect(follower.isCaughtUp()).toBe(true);
    expect(latest.get(key)).toBe(JSON.stringify({ v: 2 }));
    await bus.publishAndWait(TOPICS.projectState, [{ key, value: null }]);
    await waitFor(() => latest.get(key) === null, { description: 'the tombstone' });
    await follower.close();
  });
});
