import { randomUUID } from 'node:crypto';
import { waitFor } from '@pgw/testing';
import { RedisResponseOwnership } from './redis-response-ownership';
import { MemoryResponseOwnership, type ResponseOwnershipStore } from './response-ownership';

/** One suite, both stores: in memory (a clock the test moves) and the shared one on the real Redis. */
describe.each([
  ['memory', () => new MemoryResponseOwnership()],
  [
    'redis',
    () =>
      new RedisResponseOwnership('redis://127.0.0.1:6379', `pgw-test:${randomUUID()}:resp:`, () => undefined),
  ],
])('response ownership (%s)', (_name, make: () => ResponseOwnershipStore) => {
  let store: ResponseOwnershipStore;
  beforeEach(() => (store = make()));
  afterEach(() => store.close());

  it('remembers the owner of a response until it is forgotten', async () => {
    const owner = { projectId: 'p1', model: 'gpt-test' };
    expect(await store.lookup('resp_a')).toBeNull();
    store.remember('resp_a', owner, 60);
    expect(await waitFor(async () => await store.lookup('resp_a'))).toEqual(owner);
    store.forget('resp_a');
    await waitFor(async () => (await store.lookup('resp_a')) === null, { description: 'forgotten' });
  });

  it('forgets it when its retention runs out', async () => {
    store.remember('resp_b', { projectId: 'p1', model: 'm' }, 1);
    await waitFor(async () => (await store.lookup('resp_b')) === null, {
      timeoutMs: 5_000,
      description: 'expired after 1 s',
    });
  });
});

it('memory: a bounded map, expiry by its clock', () => {
  let now = 0;
  const store = new MemoryResponseOwnership(() => now);
  store.remember('resp_c', { projectId: 'p', model: 'm' }, 10);
  now = 9_999;
  expect(store.lookup('resp_c')).toEqual({ projectId: 'p', model: 'm' });
  now = 10_000;
  expect(store.lookup('resp_c')).toBeNull();
});
