import type { ResolvedLoadShedding } from './load-shedding.options';

/** Latency EWMA weights: the fast one follows the last ~5 calls, the baseline the last ~50. */
const FAST_ALPHA = 0.2;
const BASE_ALPHA = 0.02;

/** 0, 1 or 2 for a value against its two thresholds. */
export function levelOf(value: number, [elevated, high]: readonly [number, number]): number {
  return value >= high ? 2 : value >= elevated ? 1 : 0;
}

/**
 * One upstream origin's load as this replica sees it. Preallocated once per origin: admitting and
 * releasing a request only touch its numbers.
 */
export class UpstreamLoad {
  inFlight = 0;
  /** In flight per class. */
  readonly byClass: number[];
  /** In-flight limit per priority class, recomputed on every sample (0 = the class is shed). */
  readonly limit: number[];
  /** Pressure from this upstream's own signals (429s, latency), after the one-level-per-window decay. */
  level = 0;
  latencyFastMs = 0;
  latencyBaseMs = 0;
  latencySamples = 0;
  /** The last window's 429 ratio (for /metrics). */
  ratio429 = 0;
  windowDone = 0;
  window429 = 0;

  constructor(
    readonly label: string,
    classes: number,
  ) {
    this.limit = new Array<number>(classes).fill(0);
    this.byClass = new Array<number>(classes).fill(0);
  }

  /** One upstream call ended: its status (0 = no response) and duration (0 = never sent). */
  record(status: number, upstreamMs: number): void {
    if (upstreamMs <= 0) return;
    this.windowDone++;
    if (status === 429) this.window429++;
    if (this.latencySamples === 0) {
      this.latencyFastMs = upstreamMs;
      this.latencyBaseMs = upstreamMs;
    } else {
      this.latencyFastMs += FAST_ALPHA * (upstreamMs - this.latencyFastMs);
      this.latencyBaseMs += BASE_ALPHA * (upstreamMs - this.latencyBaseMs);
    }
    this.latencySamples++;
  }
}

/**
 * The saturation monitor and the admission by priority class, without timers or I/O: the caller feeds
 * it the event-loop delay once per window (`sample`) and the end of every upstream call (`release`), so
 * tests drive it deterministically.
 *
 * Admission is bounded concurrency with reserved slots: a request of class c may start only while the
 * upstream's whole in-flight count (and the replica's) is below share[c] × the hard limit. So what lies
 * above free's share is only ever used by team and enterprise, what lies above team's only by enterprise,
 * whatever order requests arrive in; and a lower class yields to the higher ones: every slot team uses
 * counts against free's bound too, so busy team traffic squeezes free out before it is squeezed itself.
 * (Bounding each class by its own count instead was tried: free then keeps its share while team queues
 * for the rest, and team's success rate under overload dropped — priority is the point here.)
 Pressure (event-loop delay, upstream 429s, upstream latency) sheds whole classes on
 * top of that: pressure 1 sheds class 0 (free), pressure 2 also class 1 (team). The highest class is never
 * shed by pressure, only by the hard limits. Signals are local to this replica.
 */
export class PriorityAdmission {
  readonly classes: number;
  readonly top: number;
  /** Static per-class caps, from the shares. */
  readonly upstreamCaps: number[];
  readonly totalCaps: number[];
  readonly totalLimit: number[];
  /** Replica-wide in flight per class. */
  readonly byClass: number[];
  readonly upstreams: UpstreamLoad[] = [];
  inFlight = 0;
  /** Pressure from the event-loop delay (applies to the total), after decay. */
  loopLevel = 0;
  loopDelayMs = 0;
  /** The previous window's event-loop level before decay (a delay must persist over two windows). */
  private lastLoopSignal = 0;
  /** Requests that asked for a slot in this window (admitted or shed). */
  private windowRequests = 0;

  constructor(
    private readonly config: ResolvedLoadShedding,
    classes: number,
  ) {
    this.classes = Math.max(1, classes);
    this.top = this.classes - 1;
    this.upstreamCaps = this.caps(config.maxInFlightPerUpstream);
    this.totalCaps = this.caps(config.maxInFlightTotal);
    this.totalLimit = this.totalCaps.slice();
    this.byClass = new Array<number>(this.classes).fill(0);
    this.applyLimits();
  }

  addUpstream(label: string): UpstreamLoad {
    const upstream = new UpstreamLoad(label, this.classes);
    this.upstreams.push(upstream);
    this.applyUpstreamLimits(upstream);
    return upstream;
  }

  /** The class a priority maps to (unknown or negative → lowest, beyond the table → highest). */
  classOf(priority: number | undefined): number {
    if (priority === undefined || !(priority > 0)) return 0;
    return priority >= this.top ? this.top : Math.floor(priority);
  }

  /** Takes a slot, or returns false (shed). Two integer comparisons: this runs for every request. */
  admit(upstream: UpstreamLoad, cls: number): boolean {
    this.windowRequests++;
    if (upstream.inFlight >= upstream.limit[cls] || this.inFlight >= this.totalLimit[cls]) return false;
    upstream.inFlight++;
    upstream.byClass[cls]++;
    this.inFlight++;
    this.byClass[cls]++;
    return true;
  }

  /** Frees the slot `admit(upstream, cls)` took and records how the upstream call went. */
  release(upstream: UpstreamLoad, cls: number, status: number, upstreamMs: number): void {
    upstream.inFlight--;
    upstream.byClass[cls]--;
    this.byClass[cls]--;
    this.inFlight--;
    upstream.record(status, upstreamMs);
  }

  /** Whether a shed of this class came from pressure (the class is closed) rather than a full share. */
  shedByPressure(upstream: UpstreamLoad, cls: number): boolean {
    return cls < this.top && (upstream.level > cls || this.loopLevel > cls);
  }

  /** Seconds a shed client should wait: about one typical upstream call, within the configured bounds. */
  retryAfterSeconds(upstream: UpstreamLoad, pressure: boolean): number {
    const [min, max] = this.config.retryAfterSeconds;
    let seconds = Math.ceil(upstream.latencyFastMs / 1000);
    if (pressure) seconds = Math.max(seconds, Math.ceil(this.config.sampleMs / 1000));
    return Math.min(max, Math.max(min, seconds));
  }

  /**
   * Closes a sample window: the event-loop delay measured over it (median, ms) and each upstream's 429
   * ratio and latency give the pressure levels. An upstream's level rises at once, the event loop's after
   * two windows in a row; both fall one step per window.
   */
  sample(eventLoopDelayMs: number): void {
    const c = this.config;
    this.loopDelayMs = eventLoopDelayMs;
    // A single long pause (start-up, a first policy compile, a major GC) or a busy loop without traffic
    // is not saturation by requests: the delay must last two windows, each with enough requests.
    const loopSignal =
      this.windowRequests >= c.minSamples ? levelOf(eventLoopDelayMs, c.eventLoopDelayMs) : 0;
    this.windowRequests = 0;
    this.loopLevel = Math.max(Math.min(loopSignal, this.lastLoopSignal), this.loopLevel - 1);
    this.lastLoopSignal = loopSignal;
    for (const upstream of this.upstreams) {
      let signal = 0;
      upstream.ratio429 = upstream.windowDone > 0 ? upstream.window429 / upstream.windowDone : 0;
      if (upstream.windowDone >= c.minSamples) signal = levelOf(upstream.ratio429, c.upstream429Ratio);
      // Slow answers at low concurrency are the model's pace, not saturation: only count them under load.
      if (
        upstream.latencySamples >= c.minSamples &&
        upstream.inFlight >= c.latencyMinUtilization * c.maxInFlightPerUpstream &&
        upstream.latencyBaseMs > 0
      ) {
        signal = Math.max(signal, levelOf(upstream.latencyFastMs / upstream.latencyBaseMs, c.latencyRatio));
      }
      upstream.windowDone = 0;
      upstream.window429 = 0;
      upstream.level = Math.max(signal, upstream.level - 1);
      this.applyUpstreamLimits(upstream);
    }
    this.applyLimits();
  }

  /** The pressure an upstream is under (its own signals or the event loop's), 0..2. */
  pressure(upstream: UpstreamLoad): number {
    return Math.max(upstream.level, this.loopLevel);
  }

  private caps(max: number): number[] {
    const shares = this.config.classShares;
    const caps: number[] = [];
    for (let cls = 0; cls < this.classes; cls++) {
      const share = shares[Math.min(cls, shares.length - 1)];
      caps.push(cls === this.top ? max : Math.floor(Math.min(1, Math.max(0, share)) * max));
    }
    return caps;
  }

  private applyLimits(): void {
    for (let cls = 0; cls < this.classes; cls++) {
      this.totalLimit[cls] = !this.config.enabled
        ? Infinity
        : cls < this.top && this.loopLevel > cls
          ? 0
          : this.totalCaps[cls];
    }
  }

  private applyUpstreamLimits(upstream: UpstreamLoad): void {
    for (let cls = 0; cls < this.classes; cls++) {
      upstream.limit[cls] = !this.config.enabled
        ? Infinity
        : cls < this.top && upstream.level > cls
          ? 0
          : this.upstreamCaps[cls];
    }
  }
}
