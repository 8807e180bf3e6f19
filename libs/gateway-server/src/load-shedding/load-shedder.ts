import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PLANS, type PlanDefinition } from '@pgw/contracts';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { GatewayError } from '../errors/gateway-error';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Counter, Gauge } from '@pgw/server-kit';
import { resolveLoadShedding, type ResolvedLoadShedding } from './load-shedding.options';
import { PriorityAdmission, type UpstreamLoad } from './priority-admission';
import { UpstreamGauge } from './upstream-gauge';
import { configuredRoute } from '../upstream/upstream-client';

const PLAN_TABLE = PLANS as Readonly<Record<string, PlanDefinition | undefined>>;
/** Classes: one per priority class the plans use (free 0, team 1, enterprise 2). */
const CLASSES = Math.max(...Object.values(PLANS).map((plan) => plan.priority_class)) + 1;

/**
 * Sheds requests by the project's plan when this replica or an upstream is saturated (see
 * PriorityAdmission for the rule). Called twice per request: `admit` before any other work (a shed
 * request costs no limit, budget, policy or upstream time), `release` when the request is settled.
 * The event-loop delay is sampled by a perf_hooks histogram and read once per window, not per request.
 */
@Injectable()
export class LoadShedder implements OnModuleDestroy {
  readonly config: ResolvedLoadShedding;
  readonly admission: PriorityAdmission;
  private readonly byKey = new WeakMap<object, UpstreamLoad>();
  private readonly loopDelay: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private readonly shed: Counter;

  constructor(
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
    metrics: GatewayMetrics,
  ) {
    this.config = resolveLoadShedding(options.loadShedding, options.upstream.connections);
    this.admission = new PriorityAdmission(this.config, CLASSES);
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.timer = setInterval(() => this.sample(), this.config.sampleMs);
    this.timer.unref();
    this.shed = this.registerMetrics(metrics);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.loopDelay.disable();
  }

  /**
   * Takes an in-flight slot on the upstream that `key` stands for (the route's connection pool), or
   * throws the 429 `overloaded` error. `model` only names a new upstream in /metrics.
   */
  admit(key: object, plan: string, model: string): UpstreamLoad {
    let upstream = this.byKey.get(key);
    if (upstream === undefined) upstream = this.addUpstream(key, model);
    const cls = this.admission.classOf(PLAN_TABLE[plan]?.priority_class);
    if (this.admission.admit(upstream, cls)) return upstream;
    throw this.overloaded(upstream, cls, plan);
  }

  /**
   * The request settled: frees the slot (`plan` as given to admit) and feeds the upstream's status and
   * time to the monitor.
   */
  release(upstream: UpstreamLoad, plan: string, upstreamStatus: number, upstreamMs: number): void {
    const cls = this.admission.classOf(PLAN_TABLE[plan]?.priority_class);
    this.admission.release(upstream, cls, upstreamStatus, upstreamMs);
  }

  /** Closes a sample window (the timer does this; tests may call it). */
  sample(): void {
    const median = this.loopDelay.count > 0 ? this.loopDelay.percentile(50) / 1e6 : 0;
    this.loopDelay.reset();
    this.admission.sample(median);
  }

  private overloaded(upstream: UpstreamLoad, cls: number, plan: string): GatewayError {
    const pressure = this.admission.shedByPressure(upstream, cls);
    this.shed.inc([PLAN_TABLE[plan] ? plan : 'unknown', pressure ? 'pressure' : 'capacity']);
    const seconds = this.admission.retryAfterSeconds(upstream, pressure);
    // 429 like a rate limit (clients back off and retry), but the code says the gateway's load, not the
    // caller's own limits, was the reason.
    return new GatewayError(
      'upstream_rate_limited',
      `The gateway is overloaded and turns lower plans away first (this request: ${plan} plan); this is not your own rate limit. Retry in ${seconds} s.`,
      null,
      { code: 'overloaded', type: 'rate_limit_error', headers: { 'retry-after': String(seconds) } },
    );
  }

  private addUpstream(key: object, model: string): UpstreamLoad {
    const target = configuredRoute(this.options, model) ?? this.options.defaultUpstream;
    let label = `upstream-${this.admission.upstreams.length}`;
    try {
      if (target) label = new URL(target.baseUrl).origin; // no credentials, no path
    } catch {
      // keep the ordinal label
    }
    const upstream = this.admission.addUpstream(label);
    this.byKey.set(key, upstream);
    return upstream;
  }

  private registerMetrics(metrics: GatewayMetrics): Counter {
    const registry = metrics.registry;
    const admission = this.admission;
    const shed = registry.register(
      new Counter(
        'pgw_gateway_shed_total',
        'Requests shed (429 overloaded) by plan and reason (capacity: the class share is full; pressure: the class is closed).',
        ['plan', 'reason'],
      ),
    );
    registry.register(
      new Gauge(
        'pgw_gateway_in_flight',
        'Chat requests in flight on this replica.',
        () => admission.inFlight,
      ),
    );
    registry.register(
      new UpstreamGauge(
        'pgw_gateway_in_flight_by_class',
        'Chat requests in flight on this replica per priority class (0 free, 1 team, 2 enterprise).',
        () => admission.byClass.map((n, cls) => [String(cls), n] as const),
        'class',
      ),
    );
    registry.register(
      new Gauge(
        'pgw_gateway_event_loop_delay_ms',
        'Median event-loop delay over the last sample window.',
        () => admission.loopDelayMs,
      ),
    );
    const each = (read: (u: UpstreamLoad) => number) => () =>
      admission.upstreams.map((u) => [u.label, read(u)] as const);
    registry.register(
      new UpstreamGauge(
        'pgw_gateway_upstream_in_flight',
        'Requests in flight per upstream.',
        each((u) => u.inFlight),
      ),
    );
    registry.register(
      new UpstreamGauge(
        'pgw_gateway_upstream_pressure',
        'Pressure level per upstream (0 none, 1 sheds free, 2 sheds team too).',
        each((u) => admission.pressure(u)),
      ),
    );
    registry.register(
      new UpstreamGauge(
        'pgw_gateway_upstream_latency_ewma_seconds',
        'Upstream call time, exponentially weighted (last ~5 calls).',
        each((u) => u.latencyFastMs / 1000),
      ),
    );
    registry.register(
      new UpstreamGauge(
        'pgw_gateway_upstream_429_ratio',
        'Share of upstream calls answered 429 in the last sample window.',
        each((u) => u.ratio429),
      ),
    );
    return shed;
  }
}
