import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createEnvelope,
  hashKeySecret,
  TOPIC_CODECS,
  TOPICS,
  uncheckedEncoded,
  uuidv7,
  type DecisionEvent,
  type DecisionPayload,
  type Encoded,
  type KeyStateRecord,
  type PlanId,
} from '@pgw/contracts';
import { EventBusModule, EventBusTransport, type EventBus, type OutgoingMessage } from '@pgw/messaging';
import { createTestDatabase, startAtTopicEnd, type TestDatabase } from '@pgw/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { AuditServerModule, type AuditServerOptions } from '../src';

@Module({})
class AuditTestRootModule {}

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface AuditHarness {
  app: NestFastifyApplication;
  db: TestDatabase;
  pg: Client;
  close(): Promise<void>;
}

/** The audit module in a Fastify app over a throwaway database, consuming through the given bus. */
export async function startAudit(
  bus: EventBus,
  label: string,
  options: Partial<AuditServerOptions> = {},
): Promise<AuditHarness> {
  const db = await createTestDatabase(label);
  const root = {
    module: AuditTestRootModule,
    imports: [
      EventBusModule.forRoot(bus),
      AuditServerModule.forRoot({
        database: { kind: 'postgres', url: db.url, poolSize: 4 },
        adminToken: ADMIN_TOKEN,
        runMigrations: true,
        maintenanceIntervalMs: 0,
        stateCatchUpTimeoutMs: 10_000,
        ...options,
      }),
    ],
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  // A consumer group of its own per test file and run: never share offsets with another run.
  const service = `audit-t-${process.env.PGW_TEST_RUN_ID ?? 'local'}-${label}-${randomBytes(3).toString('hex')}`;
  await startAtTopicEnd(`${service}.${TOPICS.decisions}`, TOPICS.decisions);
  app.connectMicroservice({ strategy: new EventBusTransport(bus, service) });
  await app.init();
  await app.startAllMicroservices();
  await app.getHttpAdapter().getInstance().ready();
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  return {
    app,
    db,
    pg,
    close: async () => {
      await pg.end();
      await app.close();
      await db.drop();
    },
  };
}

export const uniqueId = (prefix: string): string => `${prefix}_${randomBytes(5).toString('hex')}`;

export function decisionPayload(overrides: Partial<DecisionPayload> = {}): DecisionPayload {
  const eventId = overrides.event_id ?? uuidv7();
  return {
    event_id: eventId,
    request_id: `req-${eventId.slice(-8)}`,
    decision: 'allow',
    reason_code: 'ok',
    triggered_categories: [],
    rollout_mode: 'enforce',
    enforced: true,
    policy_id: 'pol_1',
    policy_user: 'user-1',
    policy_project_id: 'tag-1',
    policy_target: 'input',
    allowlist_hits: 0,
    denylist_hits: 0,
    model: 'gpt-4o-mini',
    created_at: new Date().toISOString(),
    ...overrides,
  };
}

/**
 * A message the decoder must reject (malformed or smuggling bytes, on purpose): outside every contract, so
 * it is claimed as encoded without a codec.
 */
export function poisonMessage<T>(key: string, value: string): OutgoingMessage<T> {
  return { key, value: uncheckedEncoded<T>(value) };
}

/** A decision event as the gateway publishes it (value JSON, keyed by project). */
export function decisionMessage(
  projectId: string,
  overrides: Partial<DecisionPayload> = {},
): OutgoingMessage<DecisionEvent> & { value: Encoded<DecisionEvent> } {
  const payload = decisionPayload(overrides);
  return {
    key: projectId,
    value: TOPIC_CODECS.decisions.encode(
      createEnvelope('policy.decision', 1, projectId, payload, payload.event_id, payload.created_at),
    ),
  };
}

export function publishProjectState(
  bus: EventBus,
  projectId: string,
  plan: PlanId,
  auditRetentionDays: number,
): void {
  bus.publish(TOPICS.projectState, [
    {
      key: projectId,
      value: TOPIC_CODECS.projectState.encode({
        project_id: projectId,
        name: projectId,
        plan,
        default_rollout_mode: 'enforce',
        allowed_models: ['gpt-4o-mini'],
        limits: { requests_per_minute: null, tokens_per_minute: null },
        key_limits: { requests_per_minute: null, tokens_per_minute: null },
        monthly_budget_micros: null,
        budget_soft_alert_percent: 80,
        audit_retention_days: auditRetentionDays,
        updated_at: new Date().toISOString(),
      }),
    },
  ]);
}

/** Publishes a key's state and returns the bearer key a client would send. */
export function publishKey(
  bus: EventBus,
  projectId: string,
  overrides: Partial<KeyStateRecord> = {},
): { key: string; keyId: string } {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const record: KeyStateRecord = {
    key_id: keyId,
    project_id: projectId,
    secret_hash: hashKeySecret(secret),
    status: 'active',
    allowed_models: null,
    limits: null,
    expires_at: null,
    updated_at: new Date().toISOString(),
    ...overrides,
  };
  bus.publish(TOPICS.keyState, [{ key: keyId, value: TOPIC_CODECS.keyState.encode(record) }]);
  return { key: `pgw_${keyId}_${secret}`, keyId };
}

export async function countRows(pg: Client, where: string, params: unknown[] = []): Promise<number> {
  const result = await pg.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit.decisions WHERE ${where}`,
    params,
  );
  return result.rows[0].n;
}
