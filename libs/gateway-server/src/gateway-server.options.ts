import type { RedisConnectionOptions } from './limits/redis-connection';
import type { LoadSheddingOptions } from './load-shedding/load-shedding.options';

/** Where requests for one model id go: any OpenAI-compatible base URL (ending in /v1). */
export interface ModelRoute {
  baseUrl: string;
  apiKey: string;
  /** The model id sent upstream; defaults to the requested id. */
  upstreamModel?: string;
}

/**
 * Where rate limits and budget reservations live: this process, or Redis shared by every replica.
 * Redis keys: rate limits under `keyPrefix` (default 'pgw:rl:'), budgets under `keyPrefix` + 'budget:'
 * (default 'pgw:budget:').
 */
export type LimitsBackend =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string; keyPrefix?: string; connection?: RedisConnectionOptions };

export interface GatewayServerOptions {
  /** Per-model routes. A model without a route goes to `defaultUpstream` (if set). */
  routes: Record<string, ModelRoute>;
  defaultUpstream?: { baseUrl: string; apiKey: string } | null;
  upstream?: {
    /** Time to the upstream's response headers, and the longest silence inside its body. Default 60 s. */
    timeoutMs?: number;
    /** Keep-alive connections per upstream origin. Default 256. */
    connections?: number;
    /**
     * The longest one upstream call may take, a whole stream included: then it is aborted, a stream ends
     * with an `upstream_timeout` error event, and its usage is recorded. Bounds shutdown too. Default 600 s.
     */
    maxDurationMs?: number;
  };
  /** On shutdown, after the last response: how long to wait for spilled/buffered events to reach Kafka. Default 0. */
  shutdownDrainMs?: number;
  limits?: LimitsBackend;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Names this replica in logs and Kafka client ids. */
  instanceId: string;
  /**
   * Used when a project has no active policy. Default: none (allow). Pass a policy-engine config to make
   * every project start from it (e.g. `defaultPolicyConfig()`).
   */
  defaultPolicy?: unknown;
  /** Price used to turn estimated tokens into a budget reservation. Default: DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS. */
  priceMicrosPerMillionTokens?: number;
  /**
   * How long a budget reservation outlives its replica's last renewal (a replica renews its running
   * requests' holds every third of it; a dead replica's expire). Default 120 s.
   */
  budgetReservationTtlMs?: number;
  /** Current time in ms (budget periods, reservation expiry). Injectable for tests; default Date.now. */
  clock?: () => number;
  /** Priority load shedding by plan (free first, then team; enterprise only at the hard limits). */
  loadShedding?: LoadSheddingOptions;
}

export const GATEWAY_OPTIONS = Symbol('GATEWAY_OPTIONS');

export interface ResolvedGatewayOptions extends GatewayServerOptions {
  upstream: { timeoutMs: number; connections: number; maxDurationMs: number };
  shutdownDrainMs: number;
  limits: LimitsBackend;
  maxBodyBytes: number;
  priceMicrosPerMillionTokens: number;
  budgetReservationTtlMs: number;
  clock: () => number;
}
