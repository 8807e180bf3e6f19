import { Inject, Injectable } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import { boundedLabel, Counter, Gauge, Histogram, MetricsRegistry } from '@pgw/server-kit';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { GatewayStateStore } from '../state/gateway-state.store';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Gateway-added time is sub-millisecond when healthy: buckets from 50 µs. */
const ADDED_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/**
 * Everything /metrics exposes (served on the internal metrics port, never the public one). No label ever
 * carries request text, and every label comes from a bounded set: models are the configured routes or the
 * project's allowed models (anything else is `other`), projects are the ones an admin created.
 */
@Injectable()
export class GatewayMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests = this.registry.register(
    new Counter('pgw_gateway_requests_total', 'Chat completion requests by HTTP status, model and project.', [
      'status',
      'model',
      'project',
    ]),
  );
  readonly decisions = this.registry.register(
    new Counter(
      'pgw_gateway_policy_decisions_total',
      'Policy decisions by target, triggered category and action.',
      ['target', 'category', 'action', 'enforced'],
    ),
  );
  readonly tokens = this.registry.register(
    new Counter('pgw_gateway_tokens_total', 'Tokens accounted, by kind (input/output) and project.', [
      'kind',
      'project',
    ]),
  );
  readonly upstreamErrors = this.registry.register(
    new Counter('pgw_gateway_upstream_errors_total', 'Upstream failures by code.', ['code']),
  );
  readonly upstreamLatency = this.registry.register(
    new Histogram(
      'pgw_gateway_upstream_latency_seconds',
      'Upstream time, request sent to response complete.',
      LATENCY_BUCKETS,
    ),
  );
  readonly upstreamTtfb = this.registry.register(
    new Histogram('pgw_gateway_upstream_ttfb_seconds', 'Upstream time to response headers.', LATENCY_BUCKETS),
  );
  readonly addedLatency = this.registry.register(
    new Histogram(
      'pgw_gateway_added_latency_seconds',
      'Time the gateway adds: total request time minus upstream time.',
      ADDED_BUCKETS,
    ),
  );

  private readonly routedModels: ReadonlySet<string>;

  constructor(
    @Inject(EVENT_BUS) bus: EventBus,
    state: GatewayStateStore,
    @Inject(GATEWAY_OPTIONS) options: ResolvedGatewayOptions,
  ) {
    this.routedModels = new Set(Object.keys(options.routes));
    this.registry.register(
      new Gauge(
        'pgw_gateway_event_spill_depth',
        'Events in the local spill file waiting for Kafka.',
        () => bus.health().spilled,
      ),
    );
    this.registry.register(
      new Gauge(
        'pgw_gateway_event_buffer_depth',
        'Events buffered in memory for the next batch.',
        () => bus.health().buffered,
      ),
    );
    this.registry.register(
      new Gauge('pgw_gateway_kafka_connected', '1 when the last produce or fetch reached Kafka.', () =>
        bus.health().connected ? 1 : 0,
      ),
    );
    this.registry.register(
      new Gauge('pgw_gateway_state_keys', 'Keys known to this replica.', () => state.keys.size),
    );
    this.registry.register(
      new Gauge('pgw_gateway_state_projects', 'Projects known to this replica.', () => state.projects.size),
    );
    this.registry.register(
      new Gauge(
        'pgw_gateway_policy_compile_failures',
        'Policy revisions that did not compile here.',
        () => state.policyCompileFailures,
      ),
    );
    this.registry.register(
      new Gauge(
        'pgw_gateway_policies_compiled',
        'Compiled policies held in memory (projects with recent traffic here).',
        () => state.compiledPolicies,
      ),
    );
    this.registry.register(
      new Gauge('process_resident_memory_bytes', 'Resident set size.', () => process.memoryUsage.rss()),
    );
  }

  /** The model label: a configured route or one the project allows by name, else `other` (client-chosen). */
  modelLabel(model: string, projectModels: readonly string[]): string {
    return projectModels.includes(model) ? model : boundedLabel(model, this.routedModels);
  }
}
