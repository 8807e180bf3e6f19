import { hostname } from 'node:os';
import { join } from 'node:path';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type { GatewayServerOptions, ModelRoute } from '@pgw/gateway-server';
import { KafkaEventBus, ThreadedKafkaEventBus, type EventBus, type KafkaSecurity } from '@pgw/messaging';
import { IsPemFile, ListenerEnv, redisTlsOptions, Requires, toBoolean } from '@pgw/server-kit';

const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;
const NUMBER = '\\d+(\\.\\d+)?';
const PAIR = new RegExp(`^${NUMBER},${NUMBER}$`);
const RATIO_LIST = /^(0(\.\d+)?|1(\.0+)?)(,(0(\.\d+)?|1(\.0+)?))*$/;

function pair(value: string): [number, number] {
  const [elevated, high] = value.split(',').map(Number);
  return [elevated, high];
}

/** MODEL_ROUTES: `{ "<model id>": { "baseUrl": "https://…/v1", "apiKey": "…", "upstreamModel"?: "…" } }`. */
@ValidatorConstraint({ name: 'modelRoutes' })
class ModelRoutesJson implements ValidatorConstraintInterface {
  private reason = '';

  validate(value: unknown): boolean {
    this.reason = describeRoutesProblem(value);
    return this.reason === '';
  }

  defaultMessage(_args: ValidationArguments): string {
    return `MODEL_ROUTES ${this.reason}`;
  }
}

function describeRoutesProblem(value: unknown): string {
  if (typeof value !== 'string') return 'must be a JSON object';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'must be a JSON object keyed by model id';
  }
  for (const [model, route] of Object.entries(parsed)) {
    const r = route as Partial<ModelRoute> | null;
    if (typeof r !== 'object' || r === null) return `["${model}"] must be an object`;
    if (typeof r.baseUrl !== 'string' || !HTTP_URL.test(r.baseUrl))
      return `["${model}"].baseUrl must be an http(s) URL`;
    if (typeof r.apiKey !== 'string') return `["${model}"].apiKey must be a string`;
    if (r.upstreamModel !== undefined && (typeof r.upstreamModel !== 'string' || r.upstreamModel === '')) {
      return `["${model}"].upstreamModel must be a non-empty string`;
    }
  }
  return '';
}

/** The gateway's environment, validated at start (a bad value stops the app, naming the variable). */
export class GatewayConfig extends ListenerEnv {
  // (PORT (8080), HOST and KAFKA_BROKERS come from ListenerEnv.)
  /** Prometheus /metrics listens here, apart from the public port (it lists per-project counters). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  METRICS_PORT = 9090;

  @Type(() => Number)
  @IsInt()
  @Min(1_024)
  @Max(64 * 1024 * 1024)
  MAX_BODY_BYTES = 1024 * 1024;

  // --- Kafka (state topics in, decision/usage events out): KAFKA_BROKERS from ListenerEnv ---

  /**
   * The local event log lives under here (gateway-<INSTANCE_ID>/): every event is appended before the
   * response that produced it completes and replayed from it until Kafka acknowledged it. Keep it on a
   * volume that outlives the container (docs/operations.md).
   */
  @IsString()
  @IsNotEmpty()
  SPILL_DIR = './.pgw-data/spill';

  /**
   * 0: the log is written to the page cache (survives a gateway crash, not a machine crash); n > 0: it is
   * fsync'ed every n ms as well (a machine crash loses at most the last n ms). Cost: docs/operations.md.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  EVENT_LOG_FSYNC_MS = 0;

  /**
   * true: the Kafka client runs on a worker thread (ThreadedKafkaEventBus). On the 2-core bench machine
   * that gave +19-26 % max throughput and 13 % less CPU per request, but +0.3-0.4 ms added p50 and a higher
   * p99 at half load (the thread competes with the request loop for a core), so it is off by default; it
   * suits hosts with spare cores and throughput-bound traffic (bench/gateway README).
   */
  @IsBoolean()
  @Transform(toBoolean)
  KAFKA_WORKER_THREAD = false;

  /** Names this replica (Kafka client id, spill file name). Keep it stable across restarts. */
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 characters of [A-Za-z0-9._-]' })
  INSTANCE_ID =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 64) || 'gateway';

  // --- Limits (shared across replicas when set) ---
  /** Secret (may carry a password). */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Path of the CA bundle (PEM) for a rediss:// URL (without it, the system's trust store). */
  @IsOptional()
  @IsPemFile('certificate')
  @Requires(
    (env) => typeof env.REDIS_URL === 'string' && env.REDIS_URL.startsWith('rediss://'),
    'REDIS_TLS_CA needs a rediss:// REDIS_URL',
  )
  REDIS_TLS_CA?: string;

  /** ACL user for Redis AUTH (Redis 6+); instead of a user in REDIS_URL. */
  @IsOptional()
  @IsString()
  @Requires((env) => env.REDIS_PASSWORD !== undefined, 'REDIS_USERNAME needs REDIS_PASSWORD')
  REDIS_USERNAME?: string;

  /** Secret: Redis AUTH password; instead of a password in REDIS_URL (mount it from a secret). */
  @IsOptional()
  @IsString()
  @Requires((env) => env.REDIS_URL !== undefined, 'REDIS_PASSWORD needs REDIS_URL')
  REDIS_PASSWORD?: string;

  // --- Upstream ---
  @ValidateIf((config: GatewayConfig) => !config.MODEL_ROUTES || config.UPSTREAM_BASE_URL !== undefined)
  @Matches(HTTP_URL, {
    message: 'UPSTREAM_BASE_URL must be an http(s) URL (e.g. https://api.openai.com/v1), or set MODEL_ROUTES',
  })
  UPSTREAM_BASE_URL?: string;

  /** Secret: the provider key used for UPSTREAM_BASE_URL. */
  @IsString()
  UPSTREAM_API_KEY = '';

  /** Secret (holds provider keys). */
  @IsOptional()
  @Validate(ModelRoutesJson)
  MODEL_ROUTES?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  UPSTREAM_TIMEOUT_MS = 60_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  UPSTREAM_CONNECTIONS = 256;

  /**
   * The longest one upstream call may take, a whole stream included; then a stream ends with an
   * `upstream_timeout` error event and its usage is recorded. Shutdown waits at most this long for streams,
   * so a pod's terminationGracePeriodSeconds is derived from it (docs/deployment.md).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  UPSTREAM_MAX_DURATION_MS = 600_000;

  /** On shutdown, after the last response: how long to wait for spilled events to reach Kafka. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_DRAIN_TIMEOUT_MS = 20_000;

  // --- Load shedding by plan (local signals of this replica; README "Plans" → "How shedding works") ---
  /** false: measure and export the saturation signals, shed nothing. */
  @IsBoolean()
  @Transform(toBoolean)
  SHED_ENABLED = true;

  /** Hard in-flight limit per upstream origin; default UPSTREAM_CONNECTIONS. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  SHED_MAX_IN_FLIGHT_PER_UPSTREAM?: number;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  SHED_MAX_IN_FLIGHT_TOTAL = 4096;

  /** Share of the in-flight limits each priority class may fill, lowest first (free,team,enterprise). */
  @Matches(RATIO_LIST, { message: 'SHED_CLASS_SHARES must be a comma list of numbers between 0 and 1' })
  SHED_CLASS_SHARES = '0.5,0.85,1';

  /** Median event-loop delay (ms) over a window for pressure 1 (sheds free) and 2 (sheds team too). */
  @Matches(PAIR, { message: 'SHED_EVENT_LOOP_DELAY_MS must be two numbers "elevated,high"' })
  SHED_EVENT_LOOP_DELAY_MS = '100,300';

  /** Share of upstream calls answered 429 in a window, for pressure 1 and 2. */
  @Matches(PAIR, { message: 'SHED_UPSTREAM_429_RATIO must be two numbers "elevated,high"' })
  SHED_UPSTREAM_429_RATIO = '0.1,0.5';

  /** Upstream latency EWMA over its baseline, for pressure 1 and 2 (counted only while the upstream is busy). */
  @Matches(PAIR, { message: 'SHED_LATENCY_RATIO must be two numbers "elevated,high"' })
  SHED_LATENCY_RATIO = '3,6';

  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  SHED_SAMPLE_MS = 1000;

  /** The instance's event log directory. */
  get eventLogDir(): string {
    return join(this.SPILL_DIR, `gateway-${this.INSTANCE_ID}`);
  }

  /** The event bus as the gateway runs it: every event logged locally first, replayed until Kafka took it. */
  createEventBus(security?: KafkaSecurity): EventBus {
    const options = {
      brokers: this.kafkaBrokers,
      security,
      clientId: `pgw-gateway-${this.INSTANCE_ID}`,
      logDir: this.eventLogDir,
      logFsyncIntervalMs: this.EVENT_LOG_FSYNC_MS,
      // the spill file of earlier versions, replayed once
      legacySpillPath: join(this.SPILL_DIR, `gateway-${this.INSTANCE_ID}.spill.jsonl`),
      // Events are fire-and-forget for the request; a longer linger means fewer, larger produce requests.
      lingerMs: 20,
      maxBatchMessages: 2_000,
    };
    return this.KAFKA_WORKER_THREAD ? new ThreadedKafkaEventBus(options) : new KafkaEventBus(options);
  }

  /** What the app passes to GatewayServerModule.forRoot. */
  toServerOptions(): GatewayServerOptions {
    return {
      instanceId: this.INSTANCE_ID,
      routes: this.MODEL_ROUTES ? (JSON.parse(this.MODEL_ROUTES) as Record<string, ModelRoute>) : {},
      defaultUpstream: this.UPSTREAM_BASE_URL
        ? { baseUrl: this.UPSTREAM_BASE_URL, apiKey: this.UPSTREAM_API_KEY }
        : null,
      upstream: {
        timeoutMs: this.UPSTREAM_TIMEOUT_MS,
        connections: this.UPSTREAM_CONNECTIONS,
        maxDurationMs: this.UPSTREAM_MAX_DURATION_MS,
      },
      shutdownDrainMs: this.SHUTDOWN_DRAIN_TIMEOUT_MS,
      limits: this.REDIS_URL
        ? {
            kind: 'redis',
            url: this.REDIS_URL,
            connection: {
              ...(this.REDIS_URL.startsWith('rediss://')
                ? { tls: redisTlsOptions({ ca: this.REDIS_TLS_CA }) }
                : {}),
              ...(this.REDIS_USERNAME !== undefined ? { username: this.REDIS_USERNAME } : {}),
              ...(this.REDIS_PASSWORD !== undefined ? { password: this.REDIS_PASSWORD } : {}),
            },
          }
        : { kind: 'memory' },
      maxBodyBytes: this.MAX_BODY_BYTES,
      loadShedding: {
        enabled: this.SHED_ENABLED,
        maxInFlightPerUpstream: this.SHED_MAX_IN_FLIGHT_PER_UPSTREAM,
        maxInFlightTotal: this.SHED_MAX_IN_FLIGHT_TOTAL,
        classShares: this.SHED_CLASS_SHARES.split(',').map(Number),
        eventLoopDelayMs: pair(this.SHED_EVENT_LOOP_DELAY_MS),
        upstream429Ratio: pair(this.SHED_UPSTREAM_429_RATIO),
        latencyRatio: pair(this.SHED_LATENCY_RATIO),
        sampleMs: this.SHED_SAMPLE_MS,
      },
    };
  }
}
