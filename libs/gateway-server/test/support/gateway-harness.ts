import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { httpTimeoutsFromEnv, timedServerFactory, answerFrameworkError } from '@pgw/server-kit';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  formatProjectKey,
  hashKeySecret,
  TOPIC_CODECS,
  TOPICS,
  type KeyStateRecord,
  type PolicyStateRecord,
  type ProjectStateRecord,
  type QuotaStateRecord,
} from '@pgw/contracts';
import { EventBusModule, KafkaEventBus, type EventBus } from '@pgw/messaging';
import { listenMetrics } from '@pgw/server-kit';
import { TEST_KAFKA_BROKERS } from '@pgw/testing';
import { GatewayMetrics, GatewayServerModule, StateFollower, type GatewayServerOptions } from '../../src';

export const RUN_ID = process.env.PGW_TEST_RUN_ID ?? `r${Date.now().toString(36)}`;
let sequence = 0;

/** A unique lowercase alphanumeric id (key ids must match [a-z0-9]{8,32}). */
export function uniqueId(prefix: string): string {
  return `${prefix}${RUN_ID.replace(/[^a-z0-9]/g, '')}${(sequence++).toString(36)}${randomBytes(3).toString('hex')}`.slice(
    0,
    32,
  );
}

export interface RunningGateway {
  app: NestFastifyApplication;
  bus: EventBus;
  url: string;
  /** The internal metrics listener (apps/gateway/src/main.ts starts it the same way): `${metricsUrl}/metrics`. */
  metricsUrl: string;
  close(): Promise<void>;
}

export async function startGateway(
  options: Partial<GatewayServerOptions> & Pick<GatewayServerOptions, 'routes'>,
  bus: EventBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('gwtest') }),
): Promise<RunningGateway> {
  const app = await NestFactory.create<NestFastifyApplication>(
    {
      module: class GatewayTestApp {},
      imports: [
        EventBusModule.forRoot(bus),
        GatewayServerModule.forRoot({ instanceId: uniqueId('gw'), ...options }),
      ],
    },
    // The production listener (timeouts, client errors in the error shape), as apps/gateway builds it.
    new FastifyAdapter({
      frameworkErrors: answerFrameworkError,
      serverFactory: timedServerFactory(httpTimeoutsFromEnv()),
    }),
    { logger: ['error', 'warn'] },
  );
  await app.listen(0, '127.0.0.1');
  await app.get(StateFollower).waitUntilCaughtUp();
  const address = app.getHttpServer().address() as { port: number };
  const registry = app.get(GatewayMetrics).registry;
  const metrics = await listenMetrics({
    port: 0,
    host: '127.0.0.1',
    routes: { '/metrics': () => registry.render() },
  });
  return {
    app,
    bus,
    url: `http://127.0.0.1:${address.port}`,
    metricsUrl: `http://127.0.0.1:${metrics.port}`,
    close: async () => {
      await metrics.close();
      await app.close();
      await bus.close();
    },
  };
}

/** Publishes state records the way the policy and billing services do: to the compacted topics, keyed by id. */
export class StateSeeder {
  constructor(private readonly bus: EventBus) {}

  async project(overrides: Partial<ProjectStateRecord> = {}): Promise<ProjectStateRecord> {
    const record: ProjectStateRecord = {
      project_id: uniqueId('p'),
      name: 'test project',
      plan: 'team',
      default_rollout_mode: 'enforce',
      allowed_models: [],
      limits: { requests_per_minute: null, tokens_per_minute: null },
      key_limits: { requests_per_minute: null, tokens_per_minute: null },
      monthly_budget_micros: null,
      budget_soft_alert_percent: 80,
      audit_retention_days: 30,
      updated_at: new Date().toISOString(),
      ...overrides,
    };
    await this.bus.publishAndWait(TOPICS.projectState, [
      { key: record.project_id, value: TOPIC_CODECS.projectState.encode(record) },
    ]);
    return record;
  }

  /** Returns the record and the plaintext key (what a client sends). */
  async key(
    projectId: string,
    overrides: Partial<KeyStateRecord> = {},
  ): Promise<{ record: KeyStateRecord; apiKey: string }> {
    const secret = randomBytes(24).toString('base64url');
    const record: KeyStateRecord = {
      key_id: uniqueId('k'),
      project_id: projectId,
      secret_hash: hashKeySecret(secret),
      status: 'active',
      allowed_models: null,
      limits: null,
      expires_at: null,
      updated_at: new Date().toISOString(),
      ...overrides,
    };
    await this.publishKey(record);
    return { record, apiKey: formatProjectKey(record.key_id, secret) };
  }

  async publishKey(record: KeyStateRecord): Promise<void> {
    await this.bus.publishAndWait(TOPICS.keyState, [
      { key: record.key_id, value: TOPIC_CODECS.keyState.encode(record) },
    ]);
  }

  async policy(
    projectId: string,
    config: unknown,
    overrides: Partial<PolicyStateRecord> = {},
  ): Promise<PolicyStateRecord> {
    const record: PolicyStateRecord = {
      project_id: projectId,
      policy_id: uniqueId('pol'),
      revision: 1,
      rollout_mode: 'enforce',
      canary_percent: 100,
      config,
      activated_at: new Date().toISOString(),
      ...overrides,
    };
    await this.bus.publishAndWait(TOPICS.policyState, [
      { key: projectId, value: TOPIC_CODECS.policyState.encode(record) },
    ]);
    return record;
  }

  async quota(projectId: string, overrides: Partial<QuotaStateRecord> = {}): Promise<QuotaStateRecord> {
    const record: QuotaStateRecord = {
      project_id: projectId,
      period: new Date().toISOString().slice(0, 7),
      spent_micros: 0,
      limit_micros: null,
      soft_limit_micros: null,
      exhausted: false,
      updated_at: new Date().toISOString(),
      ...overrides,
    };
    await this.bus.publishAndWait(TOPICS.quotaState, [
      { key: projectId, value: TOPIC_CODECS.quotaState.encode(record) },
    ]);
    return record;
  }
}
