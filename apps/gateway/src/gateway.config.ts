import { hostname } from 'node:os';
import { join } from 'node:path';
import { Type } from 'class-transformer';
import {
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

const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;

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
export class GatewayConfig {
  // --- HTTP ---
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 8080;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(1_024)
  @Max(64 * 1024 * 1024)
  MAX_BODY_BYTES = 1024 * 1024;

  // --- Kafka (state topics in, decision/usage events out) ---
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be a comma list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:19092';

  /** Events that Kafka cannot take are appended here and replayed later. */
  @IsString()
  @IsNotEmpty()
  SPILL_DIR = './.pgw-data/spill';

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

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }

  get spillPath(): string {
    return join(this.SPILL_DIR, `gateway-${this.INSTANCE_ID}.spill.jsonl`);
  }

  /** What the app passes to GatewayServerModule.forRoot. */
  toServerOptions(): GatewayServerOptions {
    return {
      instanceId: this.INSTANCE_ID,
      routes: this.MODEL_ROUTES ? (JSON.parse(this.MODEL_ROUTES) as Record<string, ModelRoute>) : {},
      defaultUpstream: this.UPSTREAM_BASE_URL
        ? { baseUrl: this.UPSTREAM_BASE_URL, apiKey: this.UPSTREAM_API_KEY }
        : null,
      upstream: { timeoutMs: this.UPSTREAM_TIMEOUT_MS, connections: this.UPSTREAM_CONNECTIONS },
      limits: this.REDIS_URL ? { kind: 'redis', url: this.REDIS_URL } : { kind: 'memory' },
      maxBodyBytes: this.MAX_BODY_BYTES,
    };
  }
}
