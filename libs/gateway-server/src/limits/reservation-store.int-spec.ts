import { randomUUID } from 'node:crypto';
import { MemoryReservationStore } from './memory-reservation-store';
import { RedisReservationStore } from './redis-reservation-store';
import type { ReservationStore, ReserveRequest } from './reservation-store';

/** One suite, both stores: the in-memory one and the shared one on the real Redis (127.0.0.1:6379). */
const STORES: [string, () => ReservationStore][] = [
  ['memory', () => new MemoryReservationStore()],
  ['redis', () => new RedisReservationStore('redis://127.0.0.1:6379', `pgw-test:${randomUUID()}:budget:`)],
];

describe.each(STORES)('budget reservations (%s store)', (_name, create) => {
  const TTL = 60_000;
  const T0 = Date.UTC(2026, 11, 7, 12);
  let store: ReservationStore;
  let project: string;
  let sequence = 0;

  beforeEach(() => {
    store = create();
    project = `p-${randomUUID()}`;
  });
  afterEach(() => store.close());

  const reserve = (amountMicros: number, overrides: Partial<ReserveRequest> = {}) =>
    Promise.resolve(
      store.reserve({
        projectId: project,
        period: '2026-12',
        reservationId: `r${sequence++}`,
        amountMicros,
        limitMicros: 1_000,
        billedMicros: 0,
        nowMs: T0,
        ttlMs: TTL,
        ...overrides,
      }),
    );
  const settle = (reservationId: string, actualMicros: number, nowMs = T0) =>
    Promise.resolve(
      store.settle({ projectId: project, period: '2026-12', reservationId, actualMicros, nowMs, ttlMs: TTL }),
    );
  const usage = (nowMs = T0, period = '2026-12') => Promise.resolve(store.usage(project, period, nowMs));

  it('grants what fits the limit and refuses the rest, saying what is spent and held', async () => {
    expect(await reserve(600, { reservationId: 'a' })).toEqual({
      granted: true,
      spentMicros: 0,
      heldMicros: 0,
    });
    expect(await reserve(400, { reservationId: 'b' })).toMatchObject({ granted: true, heldMicros: 600 });
    expect(await reserve(1, { reservationId: 'c' })).toEqual({
      granted: false,
      spentMicros: 0,
      heldMicros: 1_000,
    });
    expect(await usage()).toEqual({ spentMicros: 0, heldMicros: 1_000, reservations: 2 });
  });

  it('settles down: the hold is replaced by the actual cost, and the difference is free again', async () => {
    await reserve(800, { reservationId: 'a' });
    expect((await reserve(300)).granted).toBe(false);
    await settle('a', 250);
    expect(await usage()).toEqual({ spentMicros: 250, heldMicros: 0, reservations: 0 });
    expect((await reserve(750)).granted).toBe(true);
    expect((await reserve(1)).granted).toBe(false);
  });

  it('settles up: a request that cost more than it held is counted in full (the overspend shows)', async () => {
    await reserve(100, { reservationId: 'a' });
    await settle('a', 1_200);
    expect(await usage()).toEqual({ spentMicros: 1_200, heldMicros: 0, reservations: 0 });
    expect(await reserve(1)).toEqual({ granted: false, spentMicros: 1_200, heldMicros: 0 });
  });

  it('counts a settle once, even when it is repeated', async () => {
    await reserve(500, { reservationId: 'a' });
    await settle('a', 300);
    await settle('a', 300);
    expect(await usage()).toEqual({ spentMicros: 300, heldMicros: 0, reservations: 0 });
  });

  it("takes billing's spend as a floor, never adding it to what replicas settled", async () => {
    await reserve(100, { reservationId: 'a' });
    await settle('a', 100);
    // Billing has counted that request (100) and one it heard of elsewhere (150): 250 in all.
    expect(await reserve(10, { billedMicros: 250 })).toMatchObject({ granted: true, spentMicros: 250 });
    // A stale figure from a replica that has not heard the latest quota record changes nothing.
    expect(await reserve(10, { billedMicros: 50 })).toMatchObject({ granted: true, spentMicros: 250 });
    expect(await reserve(740, { billedMicros: 0 })).toMatchObject({ granted: false, heldMicros: 20 });
    expect(await reserve(730, { billedMicros: 0 })).toMatchObject({ granted: true });
  });

  it('refuses everything once billing says the limit is reached, and when the limit is zero', async () => {
    expect(await reserve(1, { billedMicros: 1_000 })).toMatchObject({ granted: false, spentMicros: 1_000 });
    expect((await reserve(1, { limitMicros: 0, projectId: `${project}-zero` })).granted).toBe(false);
  });

  it('releases the hold of a replica that died mid-request once its time to live has passed', async () => {
    await reserve(900, { reservationId: 'dead' });
    expect((await reserve(200, { nowMs: T0 + TTL - 1 })).granted).toBe(false);
    expect(await usage(T0 + TTL)).toEqual({ spentMicros: 0, heldMicros: 0, reservations: 0 });
    expect((await reserve(1_000, { nowMs: T0 + TTL })).granted).toBe(true);
  });

  it('releases expired holds even when the call that finds them changes nothing else', async () => {
    await reserve(600, { reservationId: 'dead' });
    await reserve(100, { reservationId: 'done', nowMs: T0 + 1_000 });
    await settle('done', 100, T0 + 1_000);
    // Both calls below find the dead hold expired: a resent settle, then a resent reserve.
    await settle('done', 100, T0 + TTL);
    await reserve(1, { reservationId: 'done', nowMs: T0 + TTL });
    expect(await usage(T0 + TTL)).toEqual({ spentMicros: 100, heldMicros: 0, reservations: 0 });
  });

  it('counts a settle that comes after its hold expired', async () => {
    await reserve(900, { reservationId: 'slow' });
    await settle('slow', 400, T0 + TTL + 1);
    expect(await usage(T0 + TTL + 1)).toEqual({ spentMicros: 400, heldMicros: 0, reservations: 0 });
  });

  it('keeps the hold of a running request its replica renews', async () => {
    await reserve(900, { reservationId: 'long' });
    await store.renew({
      projectId: project,
      period: '2026-12',
      reservationIds: ['long', 'unknown'],
      nowMs: T0 + TTL / 2,
      ttlMs: TTL,
    });
    expect(await usage(T0 + TTL)).toEqual({ spentMicros: 0, heldMicros: 900, reservations: 1 });
    expect(await usage(T0 + TTL + TTL / 2)).toEqual({ spentMicros: 0, heldMicros: 0, reservations: 0 });
  });

  it('holds a resent reserve once, and never reserves a settled id again', async () => {
    expect(await reserve(10, { reservationId: 'same' })).toMatchObject({ granted: true, heldMicros: 0 });
    expect(await reserve(10, { reservationId: 'same' })).toMatchObject({ granted: true, heldMicros: 0 });
    expect(await usage()).toMatchObject({ heldMicros: 10, reservations: 1 });
    await settle('same', 5);
    expect((await reserve(10, { reservationId: 'same' })).granted).toBe(false);
    expect(await usage()).toEqual({ spentMicros: 5, heldMicros: 0, reservations: 0 });
  });

  it('keeps periods and projects apart', async () => {
    await reserve(1_000, { reservationId: 'a' });
    await settle('a', 1_000);
    expect((await reserve(1)).granted).toBe(false);
    expect((await reserve(1_000, { period: '2027-01' })).granted).toBe(true);
    expect((await reserve(1_000, { projectId: `${project}-other` })).granted).toBe(true);
    expect(await usage(T0, '2027-01')).toMatchObject({ spentMicros: 0, heldMicros: 1_000 });
  });

  it('grants exactly what fits when many reserve at once', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => reserve(30, { reservationId: `c${i}` })),
    );
    expect(outcomes.filter((o) => o.granted)).toHaveLength(33);
    expect(await usage()).toMatchObject({ heldMicros: 990, reservations: 33 });
  });
});
