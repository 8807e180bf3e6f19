import { Inject, Injectable, Logger } from '@nestjs/common';
import { GatewayError } from '../errors/gateway-error';
import type { Caller } from '../auth/key-authenticator';
import {
  RATE_LIMITER,
  type LimitOutcome,
  type LimitSpec,
  type LimitState,
  type RateLimiter,
} from './rate-limiter';

export interface Admission {
  headers: Record<string, string>;
  /** Token limits charged at admission, to adjust once the actual count is known. */
  tokenSpecs: { id: string; perMinute: number }[];
  chargedTokens: number;
}

const NO_LIMITS: Admission = { headers: {}, tokenSpecs: [], chargedTokens: 0 };

/** Requests/min and tokens/min, per key (its own limits or the project's key defaults) and per project. */
@Injectable()
export class RequestLimits {
  private readonly logger = new Logger('RequestLimits');
  private lastBackendError = 0;
  /** Checks let through because the limits backend failed (exported as a metric). */
  failedOpen = 0;

  constructor(@Inject(RATE_LIMITER) private readonly limiter: RateLimiter) {}

  /**
   * Returns the rate-limit headers to send, or throws 429 with Retry-After. Synchronous with the in-memory
   * limiter (no promise and no microtask on the hot path), a promise with Redis.
   */
  admit(caller: Caller, estimatedTokens: number): Admission | Promise<Admission> {
    const { key, project } = caller;
    const keyLimits = key.limits ?? project.key_limits;
    const specs: LimitSpec[] = [];
    if (keyLimits?.requests_per_minute) {
      specs.push({
        id: `k:${key.key_id}:req`,
        perMinute: keyLimits.requests_per_minute,
        cost: 1,
        kind: 'requests',
      });
    }
    if (project.limits?.requests_per_minute) {
      specs.push({
        id: `p:${project.project_id}:req`,
        perMinute: project.limits.requests_per_minute,
        cost: 1,
        kind: 'requests',
      });
    }
    if (keyLimits?.tokens_per_minute) {
      specs.push({
        id: `k:${key.key_id}:tok`,
        perMinute: keyLimits.tokens_per_minute,
        cost: estimatedTokens,
        kind: 'tokens',
      });
    }
    if (project.limits?.tokens_per_minute) {
      specs.push({
        id: `p:${project.project_id}:tok`,
        perMinute: project.limits.tokens_per_minute,
        cost: estimatedTokens,
        kind: 'tokens',
      });
    }
    if (specs.length === 0) return NO_LIMITS;
    let checked: LimitOutcome | Promise<LimitOutcome>;
    try {
      checked = this.limiter.check(specs);
    } catch (error) {
      return this.failOpen(error);
    }
    if (checked instanceof Promise) {
      return checked.then(
        (outcome) => conclude(specs, outcome, estimatedTokens),
        (error: unknown) => this.failOpen(error),
      );
    }
    return conclude(specs, checked, estimatedTokens);
  }

  /** The gateway must not go down with its limits backend: admit, count and log (at most every 10 s). */
  private failOpen(error: unknown): Admission {
    this.failedOpen++;
    if (Date.now() - this.lastBackendError > 10_000) {
      this.lastBackendError = Date.now();
      this.logger.error(
        `limits backend failed, admitting: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return NO_LIMITS;
  }

  /** Charges the difference between the actual tokens and what was charged at admission. */
  settle(admission: Admission, actualTokens: number): void {
    if (admission.tokenSpecs.length === 0) return;
    const delta = actualTokens - admission.chargedTokens;
    if (delta === 0) return;
    this.limiter.adjust(admission.tokenSpecs.map((s) => ({ ...s, delta })));
  }
}

function conclude(specs: LimitSpec[], outcome: LimitOutcome, estimatedTokens: number): Admission {
  const headers = rateLimitHeaders(outcome);
  if (!outcome.allowed) {
    const retryMs = outcome.retryAfterMs > 0 ? outcome.retryAfterMs : 1_000;
    headers['retry-after'] = String(Math.max(1, Math.ceil(retryMs / 1000)));
    headers['retry-after-ms'] = String(retryMs);
    const what = outcome.exceeded ?? 'requests';
    throw new GatewayError(
      'rate_limit_exceeded',
      `Rate limit reached for ${what} per minute. Retry after ${headers['retry-after']} s.`,
      null,
      { type: what, headers },
    );
  }
  const tokenSpecs: Admission['tokenSpecs'] = [];
  for (const spec of specs)
    if (spec.kind === 'tokens') tokenSpecs.push({ id: spec.id, perMinute: spec.perMinute });
  return { headers, tokenSpecs, chargedTokens: estimatedTokens };
}

function rateLimitHeaders(outcome: LimitOutcome): Record<string, string> {
  const headers: Record<string, string> = {};
  if (outcome.requests) put(headers, 'requests', outcome.requests);
  if (outcome.tokens) put(headers, 'tokens', outcome.tokens);
  return headers;
}

function put(headers: Record<string, string>, kind: string, state: LimitState): void {
  headers[`x-ratelimit-limit-${kind}`] = String(state.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(state.remaining);
  headers[`x-ratelimit-reset-${kind}`] = formatDuration(state.resetMs);
}

/** OpenAI's format: "6m0s", "1.5s", "120ms". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${Math.round(seconds * 1000) / 1000}s`;
  return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
}
