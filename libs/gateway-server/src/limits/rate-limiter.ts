/**
 * Per-minute limits with GCRA (generic cell rate algorithm): one number per limit (the theoretical
 * arrival time), a full minute of burst, smooth refill. A request is admitted only if every limit that
 * applies to it (key and project, requests and tokens) admits it; otherwise nothing is charged.
 */
export const WINDOW_MS = 60_000;

export interface LimitSpec {
  /** Storage key, e.g. `k:<key id>:req`. */
  id: string;
  /** Units per minute. */
  perMinute: number;
  /** Units this request costs (1 for a request, the token estimate for tokens). */
  cost: number;
  kind: 'requests' | 'tokens';
}

export interface LimitState {
  kind: 'requests' | 'tokens';
  limit: number;
  remaining: number;
  resetMs: number;
}

export interface LimitOutcome {
  allowed: boolean;
  retryAfterMs: number;
  /** What was exceeded, when not allowed. */
  exceeded: 'requests' | 'tokens' | null;
  /** The tightest state per kind, for the x-ratelimit-* headers. */
  requests: LimitState | null;
  tokens: LimitState | null;
}

export interface RateLimiter {
  check(specs: LimitSpec[]): LimitOutcome | Promise<LimitOutcome>;
  /** After the response: charge (or refund, if negative) the difference between actual and estimated tokens. */
  adjust(specs: { id: string; perMinute: number; delta: number }[]): void;
  close(): Promise<void>;
}

export const RATE_LIMITER = Symbol('RATE_LIMITER');

/** Turns per-limit backlogs (tat - now before this request) into the outcome; shared by both backends. */
export function outcomeFrom(specs: LimitSpec[], backlogs: number[]): LimitOutcome {
  let allowed = true;
  let retryAfterMs = 0;
  let exceeded: 'requests' | 'tokens' | null = null;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const interval = WINDOW_MS / spec.perMinute;
    const wait = backlogs[i] + spec.cost * interval - WINDOW_MS;
    if (wait > 0) {
      allowed = false;
      // A cost beyond the whole limit can never pass: say so with a full window.
      const retry = spec.cost > spec.perMinute ? WINDOW_MS : wait;
      if (retry > retryAfterMs) {
        retryAfterMs = retry;
        exceeded = spec.kind;
      }
    }
  }
  let requests: LimitState | null = null;
  let tokens: LimitState | null = null;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const interval = WINDOW_MS / spec.perMinute;
    const after = allowed ? backlogs[i] + spec.cost * interval : backlogs[i];
    const state: LimitState = {
      kind: spec.kind,
      limit: spec.perMinute,
      remaining: Math.max(0, Math.floor((WINDOW_MS - after) / interval)),
      resetMs: Math.max(0, Math.ceil(after)),
    };
    if (spec.kind === 'requests') {
      if (!requests || state.remaining < requests.remaining) requests = state;
    } else if (!tokens || state.remaining < tokens.remaining) {
      tokens = state;
    }
  }
  return { allowed, retryAfterMs: Math.ceil(retryAfterMs), exceeded, requests, tokens };
}

/** One replica: a Map of theoretical arrival times. Entries past their time are swept lazily. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>();
  private lastSweep = Date.now();

  check(specs: LimitSpec[]): LimitOutcome {
    const now = Date.now();
    if (now - this.lastSweep > WINDOW_MS) this.sweep(now);
    const backlogs = specs.map((spec) => Math.max(0, (this.tats.get(spec.id) ?? 0) - now));
    const outcome = outcomeFrom(specs, backlogs);
    if (outcome.allowed) {
      for (let i = 0; i < specs.length; i++) {
        this.tats.set(specs[i].id, now + backlogs[i] + (specs[i].cost * WINDOW_MS) / specs[i].perMinute);
      }
    }
    return outcome;
  }

  adjust(specs: { id: string; perMinute: number; delta: number }[]): void {
    const now = Date.now();
    for (const spec of specs) {
      const tat = Math.max(now, this.tats.get(spec.id) ?? 0) + (spec.delta * WINDOW_MS) / spec.perMinute;
      this.tats.set(spec.id, Math.max(now, tat));
    }
  }

  async close(): Promise<void> {
    this.tats.clear();
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, tat] of this.tats) if (tat <= now) this.tats.delete(id);
  }
}
