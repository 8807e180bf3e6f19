/** Default characters the linear-time regex engine may examine for one evaluation or one stream. */
export const DEFAULT_MATCH_BUDGET = 64 * 1024 * 1024;

/**
 * Thrown when one evaluation (or one stream) has made the regex engine examine more characters than its
 * budget. The request fails closed: the caller answers with an error instead of forwarding unchecked
 * text, and the work stops there, so one tenant's request cannot hold the process for long.
 */
export class MatchBudgetExceededError extends Error {
  readonly code = 'policy_match_budget_exceeded';
  constructor(readonly budget: number) {
    super(`policy matching exceeded its work budget (${budget} characters examined); send a shorter text`);
    this.name = 'MatchBudgetExceededError';
  }
}

/** The matching work left to one evaluation or stream. */
export class MatchBudget {
  private spent = 0;
  constructor(readonly limit: number = DEFAULT_MATCH_BUDGET) {}

  get used(): number {
    return this.spent;
  }

  charge(chars: number): void {
    this.spent += chars;
    if (this.spent > this.limit) throw new MatchBudgetExceededError(this.limit);
  }
}

// Matchers are shared by every request (they belong to the compiled policy), so the budget of the scan
// in progress is passed through this slot; scans are synchronous, so one slot is enough.
let active: MatchBudget | null = null;

/** Runs `scan` with `budget` charged by every linear-time regex search it makes. */
export function withMatchBudget<T>(budget: MatchBudget, scan: () => T): T {
  const outer = active;
  active = budget;
  try {
    return scan();
  } finally {
    active = outer;
  }
}

/** Charges the scan in progress (no-op outside one, e.g. a matcher used directly). */
export function chargeMatchWork(chars: number): void {
  if (active !== null) active.charge(chars);
}
