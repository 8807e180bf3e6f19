import type { ProjectStateRecord, QuotaStateRecord } from '@pgw/contracts';
import { resolveGatewayOptions } from '../gateway-server.module';
import { GatewayError } from '../errors/gateway-error';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import type { GatewayStateStore } from '../state/gateway-state.store';
import { MetricsRegistry } from '@pgw/server-kit';
import { BudgetGuard, type BudgetReservation } from './budget-guard';
import { MemoryReservationStore } from './memory-reservation-store';
import type { ReservationStore } from './reservation-store';

/** $5 per million tokens: 1 token = 5 micro-dollars. */
const PRICE = 5_000_000;
const DEC_7 = Date.UTC(2026, 11, 7, 12);

describe('BudgetGuard', () => {
  let now: number;
  let quotas: Map<string, QuotaStateRecord>;
  let metrics: GatewayMetrics;
  const guards: BudgetGuard[] = [];

  const project = (budget: number | null, id = 'p1') =>
    ({ project_id: id, monthly_budget_micros: budget }) as ProjectStateRecord;
  const guard = (store: ReservationStore = new MemoryReservationStore()) => {
    const options = resolveGatewayOptions({
      routes: {},
      instanceId: 'test',
      priceMicrosPerMillionTokens: PRICE,
      clock: () => now,
      budgetReservationTtlMs: 60_000,
    });
    const created = new BudgetGuard({ quotas } as GatewayStateStore, options, store, metrics);
    guards.push(created);
    return created;
  };
  const refusal = async (attempt: () => unknown): Promise<GatewayError> => {
    try {
      await attempt();
    } catch (error) {
      if (error instanceof GatewayError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  beforeEach(() => {
    now = DEC_7;
    quotas = new Map();
    metrics = { registry: new MetricsRegistry() } as GatewayMetrics;
  });
  afterEach(() => guards.splice(0).forEach((g) => g.onModuleDestroy()));

  it('holds nothing for a project without a budget', () => {
    expect(guard().reserve(project(null), 1_000_000)).toBeNull();
  });

  it('refuses a request whose bound exceeds what is left, before anything is sent, without retry until the period ends', async () => {
    const g = guard();
    const held = g.reserve(project(1_000), 150); // 750 micro-dollars
    expect(held).toMatchObject({ amountMicros: 750, period: '2026-12' });
    g.settle(held as BudgetReservation, 100); // cost 500: 500 left
    const error = await refusal(() => g.reserve(project(1_000), 101)); // 505 > 500
    expect(error).toMatchObject({ status: 429, code: 'budget_exceeded', type: 'insufficient_quota' });
    expect(error.headers?.['x-should-retry']).toBe('false');
    // Reset at 2027-01-01T00:00:00Z: 24 days and 12 hours from Dec 7, 12:00.
    expect(error.headers?.['retry-after']).toBe(String(24 * 86_400 + 12 * 3_600));
    expect(error.message).toContain('2027-01-01T00:00:00.000Z');
    expect(g.reserve(project(1_000), 100)).not.toBeNull();
  });

  it('says when only requests in flight hold the rest (a retry may pass once they settle)', async () => {
    const g = guard();
    const first = g.reserve(project(1_000), 150) as BudgetReservation;
    const error = await refusal(() => g.reserve(project(1_000), 60));
    expect(error.headers).toEqual({ 'retry-after': '1', 'retry-after-ms': '250' });
    g.settle(first, 10);
    expect(g.reserve(project(1_000), 60)).not.toBeNull();
  });

  it("takes billing's spend for the current period, and ignores a record of an earlier one", async () => {
    const g = guard();
    quotas.set('p1', {
      project_id: 'p1',
      period: '2026-12',
      spent_micros: 1_000,
      limit_micros: 1_000,
      soft_limit_micros: null,
      exhausted: true,
      updated_at: new Date(DEC_7).toISOString(),
    });
    const error = await refusal(() => g.reserve(project(1_000), 1));
    expect(error.message).toMatch(/used up/);
    // The clock reaches January: billing's December record no longer counts, and the budget is open again.
    now = Date.UTC(2027, 0, 1, 0, 0, 1);
    expect(g.reserve(project(1_000), 1)).toMatchObject({ period: '2027-01' });
  });

  it("keeps the gateway's own settled spend across billing's lagging quota records", async () => {
    const g = guard();
    g.settle(g.reserve(project(1_000), 100) as BudgetReservation, 100); // 500 spent
    quotas.set('p1', {
      project_id: 'p1',
      period: '2026-12',
      spent_micros: 0, // billing has not consumed that usage event yet
      limit_micros: 1_000,
      soft_limit_micros: null,
      exhausted: false,
      updated_at: new Date(DEC_7).toISOString(),
    });
    await refusal(() => g.reserve(project(1_000), 101));
  });

  it('keeps enforcing on this replica alone when the shared store fails', async () => {
    const broken: ReservationStore = {
      reserve: () => Promise.reject(new Error('connection refused')),
      settle: () => Promise.reject(new Error('connection refused')),
      renew: () => Promise.reject(new Error('connection refused')),
      usage: () => Promise.reject(new Error('connection refused')),
      close: async () => undefined,
    };
    const g = guard(broken);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const held = await g.reserve(project(1_000), 150);
    expect(held).toMatchObject({ amountMicros: 750 });
    await refusal(() => g.reserve(project(1_000), 60));
    g.settle(held!, 0);
    expect(await g.reserve(project(1_000), 60)).not.toBeNull();
    expect(g.storeFailures).toBeGreaterThanOrEqual(3);
    error.mockRestore();
  });

  it("renews its running requests' holds, so a long request keeps its hold past the time to live", () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryReservationStore();
      const g = guard(store);
      const held = g.reserve(project(1_000), 150) as BudgetReservation;
      expect(metrics.registry.render()).toContain('pgw_gateway_budget_reservations_in_flight 1');
      for (let step = 0; step < 6; step++) {
        now += 20_000; // two minutes in all: twice the time to live
        jest.advanceTimersByTime(20_000);
      }
      expect(store.usage('p1', '2026-12', now)).toMatchObject({ heldMicros: 750, reservations: 1 });
      g.settle(held, 10);
      expect(store.usage('p1', '2026-12', now)).toEqual({ spentMicros: 50, heldMicros: 0, reservations: 0 });
      expect(metrics.registry.render()).toContain('pgw_gateway_budget_reservations_in_flight 0');
    } finally {
      jest.useRealTimers();
    }
  });
});
