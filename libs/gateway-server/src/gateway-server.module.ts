import { Module, type DynamicModule } from '@nestjs/common';
import { DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS } from '@pgw/contracts';
import { describeError } from '@pgw/messaging';
import { KeyAuthenticator } from './auth/key-authenticator';
import { ChatCompletionsHandler } from './completions/chat-completions.handler';
import { ModelsHandler } from './completions/models.handler';
import { EmbeddingsHandler } from './embeddings/embeddings.handler';
import { EndpointRequestStage } from './endpoints/endpoint-request';
import { ResponsesHandler } from './responses/responses.handler';
import {
  MemoryResponseOwnership,
  RESPONSE_OWNERSHIP,
  type ResponseOwnershipStore,
} from './responses/response-ownership';
import { GatewayEvents } from './events/gateway-events';
import { ShutdownDrain } from './events/shutdown-drain';
import { Exchanges } from './exchange/exchanges';
import {
  GATEWAY_OPTIONS,
  type GatewayServerOptions,
  type ResolvedGatewayOptions,
} from './gateway-server.options';
import { GatewayHttp } from './gateway-http';
import { BudgetGuard } from './limits/budget-guard';
import { MemoryReservationStore } from './limits/memory-reservation-store';
import { RESERVATION_STORE, type ReservationStore } from './limits/reservation-store';
import { MemoryRateLimiter, RATE_LIMITER, type RateLimiter } from './limits/rate-limiter';
import { LoadShedder } from './load-shedding/load-shedder';
import { RequestLimits } from './limits/request-limits';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { PolicyCompiler } from './policy/policy-engine.adapter';
import { GatewayStateStore } from './state/gateway-state.store';
import { Readiness } from './state/readiness';
import { Settlement } from './settlement/settlement';
import { StateFollower } from './state/state-follower.service';
import { UpstreamClient } from './upstream/upstream-client';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 60_000;
export const DEFAULT_UPSTREAM_MAX_DURATION_MS = 600_000;
export const DEFAULT_BUDGET_RESERVATION_TTL_MS = 120_000;

export function resolveGatewayOptions(options: GatewayServerOptions): ResolvedGatewayOptions {
  return {
    ...options,
    upstream: {
      timeoutMs: options.upstream?.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      connections: options.upstream?.connections ?? 256,
      maxDurationMs: options.upstream?.maxDurationMs ?? DEFAULT_UPSTREAM_MAX_DURATION_MS,
    },
    shutdownDrainMs: options.shutdownDrainMs ?? 0,
    limits: options.limits ?? { kind: 'memory' },
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    priceMicrosPerMillionTokens:
      options.priceMicrosPerMillionTokens ?? DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS,
    budgetReservationTtlMs: options.budgetReservationTtlMs ?? DEFAULT_BUDGET_RESERVATION_TTL_MS,
    clock: options.clock ?? Date.now,
  };
}

/** Closes the limits backends with the app (a provider with a lifecycle hook around both ports). */
class RateLimiterLifecycle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly reservations: ReservationStore,
    private readonly owners: ResponseOwnershipStore,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.limiter.close(), this.reservations.close(), this.owners.close()]);
  }
}

const logRedisError = (error: unknown) => console.error(`[gateway] redis: ${describeError(error)}`);

/**
 * The gateway: /v1/chat/completions, /v1/responses, /v1/embeddings, /v1/models, /healthz, /readyz on the app's Fastify
 * instance, state followed from Kafka, events published on the app's EVENT_BUS (provided globally by the
 * composition root: Kafka in the distributed app, in-process in embedded mode).
 */
@Module({})
export class GatewayServerModule {
  static forRoot(options: GatewayServerOptions): DynamicModule {
    const resolved = resolveGatewayOptions(options);
    return {
      module: GatewayServerModule,
      providers: [
        { provide: GATEWAY_OPTIONS, useValue: resolved },
        {
          provide: RATE_LIMITER,
          // ioredis is loaded only when Redis is configured (it is resident memory for nothing otherwise).
          useFactory: async (): Promise<RateLimiter> => {
            if (resolved.limits.kind !== 'redis') return new MemoryRateLimiter();
            const { RedisRateLimiter } = await import('./limits/redis-rate-limiter');
            const limiter = new RedisRateLimiter(
              resolved.limits.url,
              resolved.limits.keyPrefix ?? 'pgw:rl:',
              logRedisError,
              resolved.limits.connection,
            );
            await limiter.verify(); // wrong credentials or an untrusted certificate stop the start
            return limiter;
          },
        },
        {
          provide: RESERVATION_STORE,
          useFactory: async (): Promise<ReservationStore> => {
            if (resolved.limits.kind !== 'redis') return new MemoryReservationStore();
            const { RedisReservationStore } = await import('./limits/redis-reservation-store');
            const store = new RedisReservationStore(
              resolved.limits.url,
              `${resolved.limits.keyPrefix ?? 'pgw:'}budget:`,
              logRedisError,
              resolved.limits.connection,
            );
            await store.verify();
            return store;
          },
        },
        {
          provide: RESPONSE_OWNERSHIP,
          // Stored responses' owners live where the limits do (see response-ownership.ts).
          useFactory: async (): Promise<ResponseOwnershipStore> => {
            if (resolved.limits.kind !== 'redis') return new MemoryResponseOwnership(resolved.clock);
            const { RedisResponseOwnership } = await import('./responses/redis-response-ownership');
            return new RedisResponseOwnership(
              resolved.limits.url,
              `${resolved.limits.keyPrefix ?? 'pgw:'}resp:`,
              logRedisError,
            );
          },
        },
        {
          provide: RateLimiterLifecycle,
          useFactory: (
            limiter: RateLimiter,
            reservations: ReservationStore,
            owners: ResponseOwnershipStore,
          ) => new RateLimiterLifecycle(limiter, reservations, owners),
          inject: [RATE_LIMITER, RESERVATION_STORE, RESPONSE_OWNERSHIP],
        },
        PolicyCompiler,
        GatewayStateStore,
        StateFollower,
        Readiness,
        KeyAuthenticator,
        RequestLimits,
        LoadShedder,
        BudgetGuard,
        UpstreamClient,
        GatewayEvents,
        GatewayMetrics,
        Settlement,
        Exchanges,
        ChatCompletionsHandler,
        EndpointRequestStage,
        EmbeddingsHandler,
        ResponsesHandler,
        ModelsHandler,
        GatewayHttp,
        ShutdownDrain,
      ],
      exports: [GATEWAY_OPTIONS, GatewayStateStore, StateFollower, Readiness, GatewayMetrics],
    };
  }
}
