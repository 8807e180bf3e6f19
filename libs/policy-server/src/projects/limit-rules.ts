import type { RateLimits } from '@pgw/contracts';

/** Pure rules about limits. `null` means "no limit at this level" (only the level above applies). */

export const LIMIT_FIELDS = ['requests_per_minute', 'tokens_per_minute'] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

export interface LimitViolation {
  param: string;
  message: string;
}

/** The plan's defaults, tightened by the project's overrides (an override never loosens them). */
export function effectiveLimits(ceiling: RateLimits, overrides: RateLimits): RateLimits {
  const pick = (field: LimitField): number | null => {
    const cap = ceiling[field];
    const own = overrides[field];
    if (own === null) return cap;
    return cap === null ? own : Math.min(cap, own);
  };
  return { requests_per_minute: pick('requests_per_minute'), tokens_per_minute: pick('tokens_per_minute') };
}

/**
 * A requested limit may only tighten the ceiling: each non-null value must be <= the ceiling's (when the
 * ceiling has one). Returns the first violation, naming the field as `<param prefix>.<field>`.
 */
export function findLoosenedLimit(
  ceiling: RateLimits,
  requested: RateLimits,
  paramPrefix: string,
  ceilingName: string,
): LimitViolation | null {
  for (const field of LIMIT_FIELDS) {
    const cap = ceiling[field];
    const value = requested[field];
    if (value !== null && cap !== null && value > cap) {
      return {
        param: `${paramPrefix}.${field}`,
        message: `${paramPrefix}.${field} (${value}) exceeds the ${ceilingName} (${cap}); limits can only be tightened.`,
      };
    }
  }
  return null;
}

export const NO_LIMITS: RateLimits = Object.freeze({ requests_per_minute: null, tokens_per_minute: null });
