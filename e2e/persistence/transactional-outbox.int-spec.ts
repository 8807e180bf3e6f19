import { DataSource } from 'typeorm';
import { TransactionalOutbox, type TopicRun } from '@pgw/persistence';
import { createTestDatabase, waitFor, type TestDatabase } from '@pgw/testing';

/** The relay shared by policy and billing, on the real Postgres: order, failure and retry, one relay at a time. */
describe('TransactionalOutbox (real Postgres)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('outbox');
    dataSource = await new DataSource({ type: 'postgres', url: db.url }).initialize();
    await dataSource.query(`CREATE TABLE outbox (
      id bigserial PRIMARY KEY, topic text NOT NULL, message_key text NOT NULL, message_value text)`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const outboxWith = (publish: (run: TopicRun) => Promise<void>, batchSize = 3) =>
    new TransactionalOutbox(dataSource, {
      table: 'outbox',
      relayLockId: 42,
      publish,
      pollIntervalMs: 20,
      batchSize,
    });

  it('publishes committed messages in commit order, never rolled-back ones, then empties the table', async () => {
    const published: string[] = [];
    const outbox = outboxWith(async (run) => {
      published.push(...run.messages.map((m) => `${run.topic}:${m.key}`));
    });
    await dataSource.transaction((tx) =>
      outbox.enqueue(tx, [
        { topic: 'a', key: '1', value: 'x' },
        { topic: 'b', key: '2', value: null },
      ]),
    );
    await dataSource
      .transaction(async (tx) => {
        await outbox.enqueue(tx, [{ topic: 'a', key: 'rolled-back', value: 'x' }]);
        throw new Error('abort');
      })
      .catch(() => undefined);
    await dataSource.transaction((tx) =>
      outbox.enqueue(
        tx,
        [3, 4, 5, 6].map((n) => ({ topic: 'a', key: String(n), value: 'y' })),
      ),
    );
    outbox.start();
    await waitFor(async () => (await outbox.pending()) === 0, { description: 'outbox drained' });
    await outbox.stop();
    expect(published).toEqual(['a:1', 'b:2', 'a:3', 'a:4', 'a:5', 'a:6']);
  });

  it('keeps the messages when publishing fails and relays them once the bus is back', async () => {
    let failing = true;
    const failures: number[] = [];
    const published: string[] = [];
    const outbox = new TransactionalOutbox(dataSource, {
      table: 'outbox',
      relayLockId: 42,
      pollIntervalMs: 10,
      batchSize: 10,
      publish: async (run) => {
        if (failing) throw new Error('broker away');
        published.push(...run.messages.map((m) => m.key));
      },
      onFailure: (_error, attempt) => failures.push(attempt),
    });
    await dataSource.transaction((tx) => outbox.enqueue(tx, [{ topic: 't', key: 'kept', value: 'v' }]));
    outbox.start();
    await waitFor(() => failures.length >= 2, { description: 'two failed attempts' });
    expect(await outbox.pending()).toBe(1);
    failing = false;
    await waitFor(async () => (await outbox.pending()) === 0, { description: 'relayed after recovery' });
    await outbox.stop();
    expect(published).toEqual(['kept']);
    expect(failures.slice(0, 2)).toEqual([1, 2]);
  });

  it('lets one relay at a time hold the batch (advisory lock): no message is published twice', async () => {
    const published: string[] = [];
    const publish = async (run: TopicRun) => {
      published.push(...run.messages.map((m) => m.key));
    };
    const first = outboxWith(publish, 5);
    const second = outboxWith(publish, 5);
    await dataSource.transaction((tx) =>
      first.enqueue(
        tx,
        Array.from({ length: 40 }, (_, n) => ({ topic: 't', key: String(n), value: 'v' })),
      ),
    );
    await Promise.all([first.drainNow(), second.drainNow()]);
    expect(published).toEqual(Array.from({ length: 40 }, (_, n) => String(n)));
  });
});
