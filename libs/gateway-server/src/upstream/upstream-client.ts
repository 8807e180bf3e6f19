import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type Dispatcher } from 'undici';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { GatewayError } from '../errors/gateway-error';

const MAX_CACHED_ROUTES = 1_024;

export interface ResolvedRoute {
  pool: Pool;
  /** The chat completions path (`<base path>/chat/completions`). */
  path: string;
  /** The upstream base URL's path (`/v1`): other endpoints append their own (`/embeddings`, `/responses`). */
  basePath: string;
  authorization: string;
  upstreamModel: string;
  /** The request headers, built once per route (undici takes a flat [name, value, ...] array). */
  headers: string[];
}

/**
 * Per-model routing to OpenAI-compatible base URLs, one keep-alive undici Pool per upstream origin.
 * Routes are resolved once per model id and cached.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();
  private readonly routes = new Map<string, ResolvedRoute | null>();

  constructor(@Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions) {}

  /** The route for a model id, or null when the gateway has no upstream for it. */
  route(model: string): ResolvedRoute | null {
    let route = this.routes.get(model);
    if (route === undefined) {
      const configured = configuredRoute(this.options, model);
      const target = configured ?? this.options.defaultUpstream ?? null;
      route = target ? this.resolve(target.baseUrl, target.apiKey, configured?.upstreamModel ?? model) : null;
      // Model ids come from clients: the cache stays bounded whatever they send.
      if (configured || this.routes.size < MAX_CACHED_ROUTES) this.routes.set(model, route);
    }
    return route;
  }

  /** Model ids with an explicit route (listed by /v1/models when a project allows "all"). */
  routedModels(): string[] {
    return Object.keys(this.options.routes);
  }

  /** The overall bound of one call, a whole stream included (see GatewayServerOptions.upstream). */
  get maxDurationMs(): number {
    return this.options.upstream.maxDurationMs;
  }

  /** Whether the operator configured a route for this model id (not only the default upstream). */
  hasRoute(model: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.options.routes, model);
  }

  hasDefault(): boolean {
    return !!this.options.defaultUpstream;
  }

  /**
   * Sends the request through undici's dispatcher API: the handler gets the status, headers and body
   * chunks as callbacks, without the per-request Readable, AsyncResource and promises of pool.request().
   */
  dispatch(
    route: ResolvedRoute,
    body: string | Buffer | null,
    handler: Dispatcher.DispatchHandler,
    target: { method: 'POST' | 'GET' | 'DELETE'; path: string } | null = null,
  ): void {
    const timeout = this.options.upstream.timeoutMs;
    route.pool.dispatch(
      {
        method: target?.method ?? 'POST',
        path: target?.path ?? route.path,
        headers: route.headers,
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      },
      handler,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy().catch(() => undefined)));
  }

  private resolve(baseUrl: string, apiKey: string, upstreamModel: string): ResolvedRoute {
    const url = new URL(baseUrl);
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, {
        connections: this.options.upstream.connections,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connectTimeout: Math.min(10_000, this.options.upstream.timeoutMs),
        // One request per connection at a time: a slow completion never holds up another behind it.
        pipelining: 1,
      });
      this.pools.set(url.origin, pool);
    }
    const prefix = url.pathname.replace(/\/+$/, '');
    const authorization = `Bearer ${apiKey}`;
    return {
      pool,
      path: `${prefix}/chat/completions`,
      basePath: prefix,
      authorization,
      upstreamModel,
      headers: [
        'authorization',
        authorization,
        'content-type',
        'application/json',
        'accept',
        'application/json, text/event-stream',
      ],
    };
  }
}

/** The code of the abort reason when a call reaches upstream.maxDurationMs. */
export const MAX_DURATION_CODE = 'PGW_UPSTREAM_MAX_DURATION';

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  MAX_DURATION_CODE,
]);

/** An undici failure as the client should see it; the upstream's own words never leak. */
export function upstreamFailure(error: unknown): GatewayError {
  const code = (error as { code?: string } | null)?.code;
  if (code && TIMEOUT_CODES.has(code)) {
    return new GatewayError('upstream_timeout', 'The upstream provider did not answer in time.');
  }
  return new GatewayError('upstream_error', 'The upstream provider could not be reached or failed.');
}

/** Maps an upstream error status to what the client gets (the upstream body is only passed for 4xx it can act on). */
export function upstreamStatusError(
  status: number,
  body: string,
  headers: Record<string, string | string[] | undefined>,
): GatewayError {
  if (status >= 500 || status === 401 || status === 403 || status === 407) {
    // 5xx: the provider failed; 401/403: the gateway's own upstream credentials are wrong. Neither is
    // the client's to fix, and neither body is passed on.
    return new GatewayError('upstream_error', `The upstream provider failed (HTTP ${status}).`);
  }
  if (status === 429) {
    const retryAfter = headers['retry-after'];
    return new GatewayError(
      'upstream_rate_limited',
      'The upstream provider is rate limiting the gateway; retry later.',
      null,
      {
        headers: { 'retry-after': typeof retryAfter === 'string' ? retryAfter : '1' },
      },
    );
  }
  // 400, 404, 409, 413, 422: the request was wrong; pass the provider's OpenAI-shaped reason (fields only).
  const error = parseUpstreamError(body);
  return new GatewayError(
    'invalid_request',
    error?.message ?? `The upstream provider rejected the request (HTTP ${status}).`,
    error?.param ?? null,
    {
      status: status === 404 ? 400 : status,
      code: error?.code ?? 'upstream_rejected',
      type: 'invalid_request_error',
    },
  );
}

function parseUpstreamError(body: string): { message?: string; param?: string | null; code?: string } | null {
  try {
    const error = (JSON.parse(body) as { error?: Record<string, unknown> }).error;
    if (!error || typeof error !== 'object') return null;
    return {
      message: typeof error.message === 'string' ? error.message.slice(0, 1_000) : undefined,
      param: typeof error.param === 'string' ? error.param : null,
      code: typeof error.code === 'string' ? error.code : undefined,
    };
  } catch {
    return null;
  }
}

/**
 * The route configured for a model id. Ids come from clients: an own-property lookup, so `constructor`,
 * `__proto__` or `toString` are unknown models, not Object.prototype's members.
 */
export function configuredRoute(
  options: Pick<ResolvedGatewayOptions, 'routes'>,
  model: string,
): ResolvedGatewayOptions['routes'][string] | undefined {
  return Object.hasOwn(options.routes, model) ? options.routes[model] : undefined;
}
