/**
 * Load shedding by priority class (see load-shedder.ts). Every field is optional; the defaults are the
 * documented ones (README "Plans" → "How shedding works", apps/gateway env SHED_*).
 */
export interface LoadSheddingOptions {
  /** false: the signals are still measured and exported, nothing is shed. Default true. */
  enabled?: boolean;
  /** Hard in-flight limit per upstream origin. Default: the upstream pool's connections (256). */
  maxInFlightPerUpstream?: number;
  /** Hard in-flight limit of this replica over all upstreams. Default 4096. */
  maxInFlightTotal?: number;
  /**
   * Share of the in-flight limits each priority class may fill, lowest class first (free, team,
   * enterprise). What lies between one class's share and the next is reserved for the higher classes.
   * Default [0.5, 0.85, 1]. Classes beyond the list use its last value.
   */
  classShares?: number[];
  /** Median event-loop delay (ms) over a sample window for pressure 1 and 2. Default [100, 300]. */
  eventLoopDelayMs?: [number, number];
  /** Upstream 429s / completed upstream calls in a window, for pressure 1 and 2. Default [0.1, 0.5]. */
  upstream429Ratio?: [number, number];
  /** Fast latency EWMA / slow baseline EWMA of an upstream, for pressure 1 and 2. Default [3, 6]. */
  latencyRatio?: [number, number];
  /** The latency signal counts only above this share of the upstream's in-flight limit. Default 0.25. */
  latencyMinUtilization?: number;
  /** Completed upstream calls a window needs before its 429 ratio counts. Default 10. */
  minSamples?: number;
  /** Sample window of the event-loop delay and the 429 ratio, and the pressure update period. Default 1000 ms. */
  sampleMs?: number;
  /** Retry-After bounds (seconds); in between, about one typical upstream call. Default [1, 30]. */
  retryAfterSeconds?: [number, number];
}

export interface ResolvedLoadShedding {
  enabled: boolean;
  maxInFlightPerUpstream: number;
  maxInFlightTotal: number;
  classShares: number[];
  eventLoopDelayMs: [number, number];
  upstream429Ratio: [number, number];
  latencyRatio: [number, number];
  latencyMinUtilization: number;
  minSamples: number;
  sampleMs: number;
  retryAfterSeconds: [number, number];
}

export const DEFAULT_CLASS_SHARES = [0.5, 0.85, 1];

export function resolveLoadShedding(
  options: LoadSheddingOptions | undefined,
  upstreamConnections: number,
): ResolvedLoadShedding {
  const o = options ?? {};
  return {
    enabled: o.enabled ?? true,
    maxInFlightPerUpstream: o.maxInFlightPerUpstream ?? upstreamConnections,
    maxInFlightTotal: o.maxInFlightTotal ?? 4096,
    classShares: o.classShares && o.classShares.length > 0 ? o.classShares : DEFAULT_CLASS_SHARES,
    eventLoopDelayMs: o.eventLoopDelayMs ?? [100, 300],
    upstream429Ratio: o.upstream429Ratio ?? [0.1, 0.5],
    latencyRatio: o.latencyRatio ?? [3, 6],
    latencyMinUtilization: o.latencyMinUtilization ?? 0.25,
    minSamples: o.minSamples ?? 10,
    sampleMs: o.sampleMs ?? 1000,
    retryAfterSeconds: o.retryAfterSeconds ?? [1, 30],
  };
}
