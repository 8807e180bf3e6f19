/**
 * Budget reservations: before a request goes upstream, the most it can cost is held against its project's
 * budget for the period; after the response the hold is replaced by what it actually cost. One store is
 * shared by every replica (Redis) or private to one process (memory); both implement the same rules:
 *
 * - spent  = max(spent, billed): the spend known for the period. `billed` is billing's figure from the
 *   quota topic (it lags, and does not know what is in flight); `spent` also holds what replicas settled
 *   since. Taking the maximum (never the sum) cannot count a request twice.
 * - a reservation is granted only when spent + held + amount <= limit, atomically with adding it to held.
 * - settle removes the hold and adds the actual cost to spent, once per reservation id.
 * - a hold whose settle never comes (the replica died mid-request) expires after its time to live,
 *   which its replica renews while the request is still running.
 */
export interface ReserveRequest {
  projectId: string;
  /** 'YYYY-MM' (UTC): each period has its own counters. */
  period: string;
  /** Unique per request (settle and renew name it). */
  reservationId: string;
  /** The most this request can cost, micro-dollars. */
  amountMicros: number;
  limitMicros: number;
  /** Billing's spend for this period as this replica last heard it (0 when it has none for the period). */
  billedMicros: number;
  nowMs: number;
  ttlMs: number;
}

export interface ReserveOutcome {
  granted: boolean;
  /** The period's spend (settled or billed), before this request. */
  spentMicros: number;
  /** What other requests in flight hold, before this request. */
  heldMicros: number;
}

export interface SettleRequest {
  projectId: string;
  period: string;
  reservationId: string;
  actualMicros: number;
  nowMs: number;
  /** How long the settled marker is kept (a repeated settle within it changes nothing). */
  ttlMs: number;
}

export interface RenewRequest {
  projectId: string;
  period: string;
  reservationIds: string[];
  nowMs: number;
  ttlMs: number;
}

/** A project's counters for one period (tests and diagnostics). */
export interface PeriodUsage {
  spentMicros: number;
  heldMicros: number;
  reservations: number;
}

export interface ReservationStore {
  reserve(request: ReserveRequest): ReserveOutcome | Promise<ReserveOutcome>;
  settle(request: SettleRequest): void | Promise<void>;
  renew(request: RenewRequest): void | Promise<void>;
  usage(projectId: string, period: string, nowMs: number): PeriodUsage | Promise<PeriodUsage>;
  close(): Promise<void>;
}

export const RESERVATION_STORE = Symbol('RESERVATION_STORE');
