import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { costMicros, type ProjectStateRecord } from '@pgw/contracts';
import { describeError } from '@pgw/messaging';
import { Gauge } from '@pgw/server-kit';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { GatewayError } from '../errors/gateway-error';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { GatewayStateStore } from '../state/gateway-state.store';
import { budgetPeriodEndMs, budgetPeriodOf } from './budget-period';
import { MemoryReservationStore } from './memory-reservation-store';
import { RESERVATION_STORE, type ReservationStore, type ReserveOutcome } from './reservation-store';

/** What a granted request holds, handed back to settle(). */
export interface BudgetReservation {
  readonly projectId: string;
  readonly period: string;
  readonly id: string;
  readonly amountMicros: number;
  /** The store that granted it (the local fallback when the shared one failed). */
  readonly store: ReservationStore;
}

/**
 * The project budget across replicas. Before a request goes upstream, the most it can cost (its token
 * bound at the gateway's price) is reserved in the reservation store against the project's monthly budget,
 * with billing's spend for the period (the quota topic) as the floor of what is spent; a request whose
 * bound does not fit is refused with 429 budget_exceeded and never reaches the upstream. After the
 * response the reservation is settled to the tokens actually used. The rules and their guarantees:
 * reservation-store.ts and docs/budgets.md.
 */
@Injectable()
export class BudgetGuard implements OnModuleDestroy {
  private readonly logger = new Logger('BudgetGuard');
  private readonly inFlight = new Set<BudgetReservation>();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly fallback = new MemoryReservationStore();
  private lastStoreError = 0;
  /** Reservations and settlements the shared store failed (this replica then enforced alone). */
  storeFailures = 0;

  constructor(
    private readonly state: GatewayStateStore,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
    @Inject(RESERVATION_STORE) private readonly store: ReservationStore,
    metrics: GatewayMetrics,
  ) {
    metrics.registry.register(
      new Gauge(
        'pgw_gateway_budget_store_failures',
        'Budget reservations, settlements and renewals the shared store failed (this replica then enforced alone).',
        () => this.storeFailures,
      ),
    );
    metrics.registry.register(
      new Gauge(
        'pgw_gateway_budget_reservations_in_flight',
        'Budget reservations held by requests running on this replica.',
        () => this.inFlight.size,
      ),
    );
    // Holds of requests still running are renewed well before they expire; a dead replica's are not.
    this.renewTimer = setInterval(() => this.renew(), Math.max(1, options.budgetReservationTtlMs / 3));
    this.renewTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.renewTimer);
  }

  /**
   * null when the project has no budget (nothing to hold). Throws (or rejects with) 429 budget_exceeded
   * when the bound does not fit. Synchronous with the in-memory store, a promise with Redis.
   */
  reserve(
    project: ProjectStateRecord,
    boundTokens: number,
  ): BudgetReservation | null | Promise<BudgetReservation | null> {
    const limit = project.monthly_budget_micros;
    if (limit === null || limit === undefined) return null;
    const nowMs = this.options.clock();
    const period = budgetPeriodOf(nowMs);
    const quota = this.state.quotas.get(project.project_id);
    // The gateway's own id: a client-chosen x-request-id could repeat, or name another request's hold.
    const reservationId = randomUUID();
    const request = {
      projectId: project.project_id,
      period,
      reservationId,
      amountMicros: costMicros(boundTokens, this.options.priceMicrosPerMillionTokens),
      limitMicros: limit,
      // A record of an earlier period says nothing about this one (billing rolls over a little later).
      billedMicros: quota && quota.period === period ? quota.spent_micros : 0,
      nowMs,
      ttlMs: this.options.budgetReservationTtlMs,
    };
    const conclude = (outcome: ReserveOutcome, store: ReservationStore): BudgetReservation => {
      if (!outcome.granted) throw budgetExceeded(outcome, request.amountMicros, limit, nowMs);
      const reservation = {
        projectId: request.projectId,
        period,
        id: reservationId,
        amountMicros: request.amountMicros,
        store,
      };
      this.inFlight.add(reservation);
      return reservation;
    };
    const onStoreError = (error: unknown): BudgetReservation => {
      this.storeFailed('reserve', error);
      return conclude(this.fallback.reserve(request), this.fallback);
    };
    let outcome: ReserveOutcome | Promise<ReserveOutcome>;
    try {
      outcome = this.store.reserve(request);
    } catch (error) {
      return onStoreError(error);
    }
    if (outcome instanceof Promise) {
      return outcome.then((result) => conclude(result, this.store), onStoreError);
    }
    return conclude(outcome, this.store);
  }

  /** Replaces the hold with the actual cost. Never throws; a failed store is logged and counted. */
  settle(reservation: BudgetReservation, actualTokens: number): void {
    this.inFlight.delete(reservation);
    const request = {
      projectId: reservation.projectId,
      period: reservation.period,
      reservationId: reservation.id,
      actualMicros: costMicros(Math.max(0, actualTokens), this.options.priceMicrosPerMillionTokens),
      nowMs: this.options.clock(),
      ttlMs: SETTLED_MARKER_MS,
    };
    try {
      const done = reservation.store.settle(request);
      if (done instanceof Promise) done.catch((error: unknown) => this.storeFailed('settle', error));
    } catch (error) {
      this.storeFailed('settle', error);
    }
  }

  private renew(): void {
    const batches = new Map<
      string,
      { store: ReservationStore; projectId: string; period: string; ids: string[] }
    >();
    for (const r of this.inFlight) {
      const key = `${r.store === this.store ? 's' : 'f'}\u0000${r.projectId}\u0000${r.period}`;
      let batch = batches.get(key);
      if (!batch)
        batches.set(key, (batch = { store: r.store, projectId: r.projectId, period: r.period, ids: [] }));
      batch.ids.push(r.id);
    }
    const nowMs = this.options.clock();
    for (const { store, projectId, period, ids } of batches.values()) {
      const request = {
        projectId,
        period,
        reservationIds: ids,
        nowMs,
        ttlMs: this.options.budgetReservationTtlMs,
      };
      try {
        const done = store.renew(request);
        if (done instanceof Promise) done.catch((error: unknown) => this.storeFailed('renew', error));
      } catch (error) {
        this.storeFailed('renew', error);
      }
    }
  }

  /** Logged at most every 10 s; the count is a metric. */
  private storeFailed(what: string, error: unknown): void {
    this.storeFailures++;
    if (Date.now() - this.lastStoreError < 10_000) return;
    this.lastStoreError = Date.now();
    this.logger.error(
      `budget store ${what} failed, this replica enforces budgets alone meanwhile: ${describeError(error)}`,
    );
  }
}

/**
 * 429 budget_exceeded. When the period's spend alone leaves less than this request's bound, no retry can
 * pass before the period ends: `x-should-retry: false` (the official SDKs then do not retry) and
 * Retry-After up to the period's end. When only requests in flight hold the rest, they settle within
 * seconds, usually for less than they held: Retry-After 1 s (retry-after-ms 250 for the official SDKs,
 * which read it first), and the SDKs' normal retry applies.
 */
export function budgetExceeded(
  outcome: ReserveOutcome,
  amountMicros: number,
  limitMicros: number,
  nowMs: number,
): GatewayError {
  const left = Math.max(0, limitMicros - outcome.spentMicros);
  if (amountMicros <= left) {
    return new GatewayError(
      'budget_exceeded',
      `Requests in flight hold the rest of the project's budget for this period ($${dollars(left)} left before them). Retry shortly.`,
      null,
      { headers: { 'retry-after': '1', 'retry-after-ms': String(IN_FLIGHT_RETRY_MS) } },
    );
  }
  const endMs = budgetPeriodEndMs(nowMs);
  const resets = new Date(endMs).toISOString();
  const message =
    left === 0
      ? `The project's budget for this period is used up. It resets at ${resets}; raise the budget to continue sooner.`
      : `This request could cost up to $${dollars(amountMicros)}, more than the $${dollars(left)} left of the project's budget for this period. Lower max_tokens (or n), raise the budget, or wait for the reset at ${resets}.`;
  return new GatewayError('budget_exceeded', message, null, {
    headers: {
      'x-should-retry': 'false',
      'retry-after': String(Math.max(1, Math.ceil((endMs - nowMs) / 1000))),
    },
  });
}

const IN_FLIGHT_RETRY_MS = 250;
/** A settled reservation's marker is kept this long: a settle the Redis client resends is counted once. */
const SETTLED_MARKER_MS = 30_000;

function dollars(micros: number): string {
  return (micros / 1_000_000).toFixed(6);
}
