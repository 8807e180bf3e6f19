import type {
  PeriodUsage,
  RenewRequest,
  ReservationStore,
  ReserveOutcome,
  ReserveRequest,
  SettleRequest,
} from './reservation-store';

/** A live hold (amount > 0) or, after its settle, a marker (amount = SETTLED) kept until it expires. */
interface Entry {
  amount: number;
  expiresAt: number;
}

const SETTLED = -1;

interface PeriodState {
  spent: number;
  held: number;
  entries: Map<string, Entry>;
  /** No entry expires before this, so the entries are walked only once one has (a busy project holds many). */
  nextExpiry: number;
}

/**
 * The reservation rules for one process (see reservation-store.ts): synchronous, so a gateway without
 * Redis keeps a promise-free hot path. Periods other than the current one are dropped once they hold
 * nothing.
 */
export class MemoryReservationStore implements ReservationStore {
  private readonly periods = new Map<string, PeriodState>();

  reserve(request: ReserveRequest): ReserveOutcome {
    const state = this.state(request.projectId, request.period, request.nowMs);
    if (request.billedMicros > state.spent) state.spent = request.billedMicros;
    const outcome = { granted: false, spentMicros: state.spent, heldMicros: state.held };
    const existing = state.entries.get(request.reservationId);
    if (existing) {
      // A resent reserve holds once; a settled id is not reserved again.
      outcome.heldMicros -= existing.amount === SETTLED ? 0 : existing.amount;
      outcome.granted = existing.amount !== SETTLED;
      return outcome;
    }
    if (state.spent + state.held + request.amountMicros <= request.limitMicros) {
      state.held += request.amountMicros;
      this.put(state, request.reservationId, request.amountMicros, request.nowMs + request.ttlMs);
      outcome.granted = true;
    }
    return outcome;
  }

  settle(request: SettleRequest): void {
    const state = this.state(request.projectId, request.period, request.nowMs);
    const entry = state.entries.get(request.reservationId);
    if (entry?.amount === SETTLED) return;
    if (entry) state.held -= entry.amount;
    state.spent += request.actualMicros;
    this.put(state, request.reservationId, SETTLED, request.nowMs + request.ttlMs);
  }

  renew(request: RenewRequest): void {
    const state = this.state(request.projectId, request.period, request.nowMs);
    for (const id of request.reservationIds) {
      const entry = state.entries.get(id);
      if (entry && entry.amount !== SETTLED) entry.expiresAt = request.nowMs + request.ttlMs;
    }
  }

  usage(projectId: string, period: string, nowMs: number): PeriodUsage {
    const state = this.state(projectId, period, nowMs);
    let reservations = 0;
    for (const entry of state.entries.values()) if (entry.amount !== SETTLED) reservations++;
    return { spentMicros: state.spent, heldMicros: state.held, reservations };
  }

  async close(): Promise<void> {
    this.periods.clear();
  }

  /** The project's state for the period, with expired holds released (and older idle periods dropped). */
  private state(projectId: string, period: string, nowMs: number): PeriodState {
    const key = `${projectId}\u0000${period}`;
    let state = this.periods.get(key);
    if (!state) {
      state = { spent: 0, held: 0, entries: new Map(), nextExpiry: Infinity };
      this.periods.set(key, state);
      this.dropIdlePeriods(period);
    }
    if (nowMs >= state.nextExpiry) {
      state.nextExpiry = Infinity;
      for (const [id, entry] of state.entries) {
        if (entry.expiresAt > nowMs) {
          state.nextExpiry = Math.min(state.nextExpiry, entry.expiresAt);
          continue;
        }
        if (entry.amount !== SETTLED) state.held -= entry.amount;
        state.entries.delete(id);
      }
    }
    return state;
  }

  private put(state: PeriodState, id: string, amount: number, expiresAt: number): void {
    state.entries.set(id, { amount, expiresAt });
    if (expiresAt < state.nextExpiry) state.nextExpiry = expiresAt;
  }

  /** Runs when a period is first seen: earlier periods' counters are of no use once nothing is held. */
  private dropIdlePeriods(current: string): void {
    for (const [key, state] of this.periods) {
      if (key.slice(key.indexOf('\u0000') + 1) < current && state.held === 0) this.periods.delete(key);
    }
  }
}
