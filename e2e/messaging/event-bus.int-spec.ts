import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { TOPICS } from '@pgw/contracts';
import {
  readTopicSince,
  startAtTopicEnd,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
} from '@pgw/testing';
import {
  InProcessEventBus,
  KafkaEventBus,
  ThreadedKafkaEventBus,
  type EventBus,
  type IncomingMessage,
} from '@pgw/messaging';

/** The same contract, checked on both adapters: the real broker and the in-process bus. */
describe.each([
  ['kafka', () => new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `bus-test-${randomUUID()}` })],
  [
    'kafka, producer on a worker thread',
    () => new ThreadedKafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `bus-test-${randomUUID()}` }),
  ],
  ['in-process', () => new InProcessEventBus()],
])('event bus (%s)', (_name, makeBus: () => EventBus) => {
  let bus: EventBus;
  beforeEach(() => (bus = makeBus()));
  afterEach(() => bus.close());

  it('delivers every published message once per group, in batches, retrying a failing handler', async () => {
    const run = randomUUID();
    const seen = new Map<string, number>();
    let failures = 1;
    // The shared broker's topics hold every earlier run's messages: the new group starts at the end.
    await startAtTopicEnd(`bus-test-${run}`, TOPICS.usage);
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
    await startAtTopicEnd(`bus-test-${run}`, TOPICS.usage);
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

describe('event bus (kafka, producer on a worker thread): failures', () => {
  const valuesOf = async (topic: string, since: PartitionOffsets, run: string) =>
    (await readTopicSince(topic, since)).map((m) => m.value ?? '').filter((value) => value.startsWith(run));

  it('keeps in its log what the broker cannot take and replays it in order, with the same values, once it can', async () => {
    const run = randomUUID();
    const logDir = mkdtempSync(join(tmpdir(), 'pgw-thread-log-'));
    const since = await topicEndOffsets(TOPICS.usage);
    const offline = new ThreadedKafkaEventBus({
      brokers: ['127.0.0.1:1'],
      clientId: `bus-test-${run}`,
      logDir,
      logger: () => undefined,
    });
    const sent = Array.from({ length: 50 }, (_, i) => `${run}:${i}`);
    for (const value of sent) offline.publish(TOPICS.usage, [{ key: 'one-partition', value }]);
    await offline.flush();
    expect(offline.health()).toMatchObject({ connected: false, spilled: 50 });
    await offline.close();

    const online = new ThreadedKafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: `bus-test-${run}`,
      logDir,
    });
    try {
      await waitFor(() => online.health().spilled === 0, { timeoutMs: 30_000, description: 'the replay' });
      await waitFor(async () => (await valuesOf(TOPICS.usage, since, run)).length >= sent.length, {
        description: 'the replayed messages on the topic',
      });
      expect(await valuesOf(TOPICS.usage, since, run)).toEqual(sent);
    } finally {
      await online.close();
    }
  });

  it('starts a dead Kafka thread again: publishing goes on and followers are registered again', async () => {
    const run = randomUUID();
    const since = await topicEndOffsets(TOPICS.usage);
    const logs: string[] = [];
    const bus = new ThreadedKafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: `bus-test-${run}`,
      logger: (message) => logs.push(message),
      restartDelayMs: 50,
    });
    try {
      const seen: string[] = [];
      const follower = await bus.follow({
        topics: [TOPICS.projectState],
        onMessage: (m) => m.key === run && seen.push(m.value?.toString() ?? ''),
      });
      await follower.caughtUp;
      // The thread is private: a test is the only place that kills it on purpose.
      await (bus as unknown as { worker: Worker }).worker.terminate();
      await waitFor(() => logs.some((line) => line.includes('kafka thread exited')), {
        description: 'the exit noticed',
      });
      bus.publish(TOPICS.usage, [{ key: 'k', value: `${run}:after` }]);
      await waitFor(async () => (await valuesOf(TOPICS.usage, since, run)).length === 1, {
        description: 'the message published after the thread died',
      });
      await bus.publishAndWait(TOPICS.projectState, [{ key: run, value: 'state after the restart' }]);
      await waitFor(() => seen.includes('state after the restart'), { description: 'the follower again' });
      expect(bus.health().spilled).toBe(0);
    } finally {
      await bus.close();
    }
  });
});
