import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import {
  hashKeySecret,
  parseProjectKey,
  PLANS,
  TOPICS,
  type KeyStateRecord,
  type PolicyStateRecord,
  type ProjectStateRecord,
} from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import { defaultPolicyConfig } from '@pgw/policy-engine';
import { PolicySeedService, StateRepublisher } from '@pgw/policy-server';
import {
  createTestDatabase,
  readTopicSince,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
  type TestDatabase,
} from '@pgw/testing';
import { PolicyAppModule } from '../src/app.module';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Policy configs in the policy engine's format (kept here so an engine format change is one edit). */
const denylist = (action: string) => ({
  version: 1,
  rules: [{ id: 'no-secrets', category: 'denylist.secrets', target: 'both', action, terms: ['topsecret'] }],
});
const POLICY_V1 = denylist('block');
const POLICY_V2 = denylist('redact');
const INVALID_POLICY = denylist('explode');
const SAMPLE_TEXT = 'dry-run sample with topsecret words zq7';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('policy service (HTTP, Postgres, Kafka)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  // Where each state topic ended before this file started: every record it looks for is one it caused.
  const stateStart = new Map<string, PartitionOffsets>();

  async function call(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, headers: Json = auth) {
    const response = await app.inject({ method, url, payload: body as never, headers });
    return { status: response.statusCode, body: (response.body ? response.json() : null) as Json };
  }

  async function latestRecord<T>(topic: string, key: string, accept: (value: T) => boolean): Promise<T> {
    const start = stateStart.get(topic);
    if (start === undefined) throw new Error(`no start offsets captured for ${topic}`);
    return waitFor(
      async () => {
        const messages = (await readTopicSince(topic, start)).filter((m) => m.key === key);
        const last = messages[messages.length - 1];
        const value = last?.value ? (JSON.parse(last.value) as T) : null;
        return value && accept(value) ? value : null;
      },
      { description: `${topic} record for ${key}`, timeoutMs: 20_000, intervalMs: 100 },
    );
  }

  beforeAll(async () => {
    for (const topic of [TOPICS.projectState, TOPICS.keyState, TOPICS.policyState]) {
      stateStart.set(topic, await topicEndOffsets(topic));
    }
    db = await createTestDatabase('policy');
    const bus = new KafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: `pgw-policy-test-${process.env.PGW_TEST_RUN_ID}`,
    });
    app = await NestFactory.create<NestFastifyApplication>(
      PolicyAppModule.forRoot(
        { database: { kind: 'postgres', url: db.url }, adminToken: ADMIN_TOKEN, runMigrations: true },
        bus,
      ),
      new FastifyAdapter(),
      { logger: ['error', 'warn'] },
    );
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('answers health and readiness probes', async () => {
    expect((await call('GET', '/healthz', undefined, {})).status).toBe(200);
    expect(await call('GET', '/readyz', undefined, {})).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('refuses a missing admin token with 401 and a wrong one with 403, in the one error shape', async () => {
    const missing = await call('GET', '/admin/v1/projects', undefined, {});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: { message: expect.any(String), type: 'authentication_error', param: null, code: 'unauthorized' },
    });
    const wrong = await call('GET', '/admin/v1/projects', undefined, {
      authorization: 'Bearer not-the-token',
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('forbidden');
  });

  it('lists the plans', async () => {
    const plans = await call('GET', '/admin/v1/plans');
    expect(plans.status).toBe(200);
    expect(plans.body.data.map((p: Json) => p.id)).toEqual(['free', 'team', 'enterprise']);
  });

  it('validates project DTOs and plan rules with the field path', async () => {
    const badType = await call('POST', '/admin/v1/projects', {
      name: 'x',
      allowed_models: ['m'],
      limits: { requests_per_minute: 'lots' },
    });
    expect(badType.status).toBe(400);
    expect(badType.body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'limits.requests_per_minute',
    });

    const unknownField = await call('POST', '/admin/v1/projects', {
      name: 'x',
      allowed_models: ['m'],
      colour: 'red',
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.param).toBe('colour');

    const missingModels = await call('POST', '/admin/v1/projects', { name: 'x' });
    expect(missingModels.body.error.param).toBe('allowed_models');

    const loosened = await call('POST', '/admin/v1/projects', {
      name: 'x',
      allowed_models: ['m'],
      limits: { requests_per_minute: PLANS.free.requests_per_minute + 1 },
    });
    expect(loosened.status).toBe(400);
    expect(loosened.body.error.param).toBe('limits.requests_per_minute');

    const retention = await call('POST', '/admin/v1/projects', {
      name: 'x',
      allowed_models: ['m'],
      audit_retention_days: 90,
    });
    expect(retention.status).toBe(403);
    expect(retention.body.error).toMatchObject({
      code: 'plan_feature_unavailable',
      param: 'audit_retention_days',
    });

    const enterprise = await call('POST', '/admin/v1/projects', {
      name: 'long-retention',
      plan: 'enterprise',
      allowed_models: ['m'],
      audit_retention_days: 365,
    });
    expect(enterprise.status).toBe(201);
    expect(enterprise.body.audit_retention_days).toBe(365);
  });

  describe('a project with keys and policies', () => {
    let projectId: string;
    let otherProjectId: string;
    let apiKey: string;
    let keyId: string;

    beforeAll(async () => {
      const created = await call('POST', '/admin/v1/projects', {
        name: 'support-bot',
        allowed_models: ['gpt-4o-mini', 'gpt-4o'],
        limits: { requests_per_minute: 30 },
        monthly_budget_micros: 50_000_000,
      });
      expect(created.status).toBe(201);
      projectId = created.body.id;
      otherProjectId = (await call('POST', '/admin/v1/projects', { name: 'other', allowed_models: ['m'] }))
        .body.id;
    });

    it('creates a project with the plan defaults and publishes its state', async () => {
      const project = await call('GET', `/admin/v1/projects/${projectId}`);
      expect(project.body).toMatchObject({
        id: expect.stringMatching(/^prj_[a-z0-9]{16}$/),
        plan: 'free',
        default_rollout_mode: 'enforce',
        limits: { requests_per_minute: 30, tokens_per_minute: PLANS.free.tokens_per_minute },
        key_limits: { requests_per_minute: null, tokens_per_minute: null },
        monthly_budget_micros: 50_000_000,
        budget_soft_alert_percent: 80,
        audit_retention_days: 30,
        active_policy_revision: 1,
      });
      const record = await latestRecord<ProjectStateRecord>(TOPICS.projectState, projectId, () => true);
      expect(record).toMatchObject({
        project_id: projectId,
        name: 'support-bot',
        plan: 'free',
        allowed_models: ['gpt-4o-mini', 'gpt-4o'],
        limits: { requests_per_minute: 30, tokens_per_minute: PLANS.free.tokens_per_minute },
        monthly_budget_micros: 50_000_000,
        audit_retention_days: 30,
      });
    });

    it('starts a new project on the default policy: revision 1, active, in its history, published', async () => {
      const active = await call('GET', `/admin/v1/projects/${projectId}/policies/active`);
      expect(active.status).toBe(200);
      expect(active.body).toMatchObject({
        revision: 1,
        active: true,
        rollout_mode: 'enforce',
        config: JSON.parse(JSON.stringify(defaultPolicyConfig())),
      });
      const history = await call('GET', `/admin/v1/projects/${projectId}/history?entity_type=policy`);
      expect(history.body.data).toEqual([
        expect.objectContaining({
          entity_id: '1',
          action: 'create_revision',
          changes: expect.objectContaining({ revision: 1, active_revision: { old: null, new: 1 } }),
        }),
      ]);
      const record = await latestRecord<PolicyStateRecord>(TOPICS.policyState, projectId, () => true);
      expect(record).toMatchObject({ project_id: projectId, revision: 1, rollout_mode: 'enforce' });
      expect(record.config).toEqual(active.body.config);

      // The creator's own first policy instead of the default; an invalid one creates nothing.
      const own = await call('POST', '/admin/v1/projects', {
        name: 'own-policy',
        allowed_models: ['m'],
        default_rollout_mode: 'shadow',
        policy: POLICY_V1,
      });
      expect(own.status).toBe(201);
      expect(own.body.active_policy_revision).toBe(1);
      const ownActive = await call('GET', `/admin/v1/projects/${own.body.id}/policies/active`);
      expect(ownActive.body).toMatchObject({ revision: 1, config: POLICY_V1, rollout_mode: 'shadow' });
      await latestRecord<PolicyStateRecord>(TOPICS.policyState, own.body.id, (r) => r.revision === 1);
      const projectCount = async () =>
        (await call('GET', '/admin/v1/projects?limit=500')).body.data.length as number;
      const projectsBefore = await projectCount();
      const bad = await call('POST', '/admin/v1/projects', {
        name: 'bad-policy',
        allowed_models: ['m'],
        policy: INVALID_POLICY,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toMatch(/^policy\.rules\[0\]/);
      expect(await projectCount()).toBe(projectsBefore);
    });

    it('changes the plan, records what changed and republishes the project', async () => {
      const updated = await call(
        'PATCH',
        `/admin/v1/projects/${projectId}`,
        { plan: 'team', audit_retention_days: 30, budget_soft_alert_percent: 90 },
        { ...auth, 'x-admin-actor': 'alice@example.com' },
      );
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ plan: 'team', budget_soft_alert_percent: 90 });
      await latestRecord<ProjectStateRecord>(TOPICS.projectState, projectId, (r) => r.plan === 'team');
      const history = await call('GET', `/admin/v1/projects/${projectId}/history?entity_type=project`);
      expect(history.body.data[0]).toMatchObject({
        action: 'plan_change',
        actor: 'alice@example.com',
        changes: { plan: { old: 'free', new: 'team' }, budget_soft_alert_percent: { old: 80, new: 90 } },
      });
      expect(history.body.data[0].changes).not.toHaveProperty('audit_retention_days');
    });

    it('creates a scoped key shown once and stores only its hash', async () => {
      const created = await call('POST', `/admin/v1/projects/${projectId}/keys`, {
        name: 'ci',
        allowed_models: ['gpt-4o-mini'],
        limits: { requests_per_minute: 10 },
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      });
      expect(created.status).toBe(201);
      apiKey = created.body.key;
      keyId = created.body.id;
      expect(apiKey).toMatch(/^pgw_[a-z0-9]{12,}_[A-Za-z0-9_-]{43}$/);
      const parsed = parseProjectKey(apiKey);
      expect(parsed?.keyId).toBe(keyId);
      expect(created.body.prefix).toBe(`pgw_${keyId}_…`);

      const listed = await call('GET', `/admin/v1/projects/${projectId}/keys?limit=10`);
      expect(listed.body.data).toEqual([
        expect.objectContaining({
          id: keyId,
          name: 'ci',
          status: 'active',
          last_used_at: null,
          revoked_at: null,
        }),
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(parsed?.secret);
      expect(JSON.stringify(listed.body)).not.toContain(hashKeySecret(parsed!.secret));

      const record = await latestRecord<KeyStateRecord>(TOPICS.keyState, keyId, () => true);
      expect(record).toMatchObject({
        key_id: keyId,
        project_id: projectId,
        secret_hash: hashKeySecret(parsed!.secret),
        status: 'active',
        allowed_models: ['gpt-4o-mini'],
        limits: { requests_per_minute: 10, tokens_per_minute: null },
      });
    });

    it('refuses key models outside the project and limits above it', async () => {
      const model = await call('POST', `/admin/v1/projects/${projectId}/keys`, {
        name: 'k',
        allowed_models: ['gpt-4o', 'o3'],
      });
      expect(model.status).toBe(400);
      expect(model.body.error.param).toBe('allowed_models[1]');
      const limits = await call('POST', `/admin/v1/projects/${projectId}/keys`, {
        name: 'k',
        limits: { requests_per_minute: 31 },
      });
      expect(limits.body.error.param).toBe('limits.requests_per_minute');
      const past = await call('POST', `/admin/v1/projects/${projectId}/keys`, {
        name: 'k',
        expires_at: '2001-01-01T00:00:00Z',
      });
      expect(past.body.error.param).toBe('expires_at');
    });

    it("answers 404 for another project's key", async () => {
      expect((await call('GET', `/admin/v1/projects/${otherProjectId}/keys/${keyId}`)).status).toBe(404);
      const revoke = await call('POST', `/admin/v1/projects/${otherProjectId}/keys/${keyId}/revoke`);
      expect(revoke.status).toBe(404);
      expect(revoke.body.error.code).toBe('not_found');
      expect((await call('GET', `/admin/v1/projects/prj_nope/keys`)).status).toBe(404);
    });

    it('refuses an invalid policy with the path of the problem and stores nothing', async () => {
      const invalid = await call('POST', `/admin/v1/projects/${projectId}/policies`, {
        config: INVALID_POLICY,
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.param).toMatch(/^config\.rules\[0\]/);
      const listed = (await call('GET', `/admin/v1/projects/${projectId}/policies`)).body.data as Json[];
      expect(listed.map((r) => r.revision)).toEqual([1]);
      expect((await call('GET', `/admin/v1/projects/${projectId}/policies/active`)).body.revision).toBe(1);
    });

    it('creates revisions with diffs, activates, rolls back as a new revision and publishes the active one', async () => {
      const first = await call(
        'POST',
        `/admin/v1/projects/${projectId}/policies`,
        { config: POLICY_V1, message: 'block secrets' },
        { ...auth, 'x-admin-actor': 'bob' },
      );
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        revision: 2,
        active: true,
        author: 'bob',
        rollout_mode: 'enforce',
        canary_percent: 0,
      });
      // Against revision 1, the default policy.
      expect(first.body.diff).toEqual(expect.arrayContaining([{ op: 'remove', path: '/rollout' }]));

      const second = await call('POST', `/admin/v1/projects/${projectId}/policies`, {
        config: POLICY_V2,
        rollout_mode: 'canary',
        canary_percent: 25,
      });
      expect(second.body).toMatchObject({
        revision: 3,
        active: true,
        rollout_mode: 'canary',
        canary_percent: 25,
      });
      expect(second.body.diff).toEqual([{ op: 'replace', path: '/rules/0/action' }]);
      await latestRecord<PolicyStateRecord>(TOPICS.policyState, projectId, (r) => r.revision === 3);

      const rollback = await call('POST', `/admin/v1/projects/${projectId}/policies/rollback`, {
        revision: 2,
      });
      expect(rollback.status).toBe(201);
      expect(rollback.body).toMatchObject({
        revision: 4,
        active: true,
        rolled_back_from: 2,
        config: POLICY_V1,
      });
      expect(rollback.body.diff).toEqual([{ op: 'replace', path: '/rules/0/action' }]);
      const active = await call('GET', `/admin/v1/projects/${projectId}/policies/active`);
      expect(active.body).toMatchObject({ revision: 4, config: POLICY_V1, policy_id: `${projectId}.r4` });
      const record = await latestRecord<PolicyStateRecord>(
        TOPICS.policyState,
        projectId,
        (r) => r.revision === 4,
      );
      expect(record).toMatchObject({
        project_id: projectId,
        policy_id: `${projectId}.r4`,
        rollout_mode: 'enforce',
        config: POLICY_V1,
      });

      const reactivated = await call('POST', `/admin/v1/projects/${projectId}/policies/3/activate`);
      expect(reactivated.body).toMatchObject({ revision: 3, active: true });
      await latestRecord<PolicyStateRecord>(
        TOPICS.policyState,
        projectId,
        (r) => r.revision === 3 && r.canary_percent === 25,
      );
      const list = await call('GET', `/admin/v1/projects/${projectId}/policies?limit=2`);
      expect(list.body.data.map((r: Json) => [r.revision, r.active])).toEqual([
        [4, false],
        [3, true],
      ]);
      const next = await call(
        'GET',
        `/admin/v1/projects/${projectId}/policies?limit=2&cursor=${list.body.next_cursor}`,
      );
      expect(next.body).toMatchObject({
        data: [expect.objectContaining({ revision: 2 }), expect.objectContaining({ revision: 1 })],
        next_cursor: null,
      });

      expect((await call('POST', `/admin/v1/projects/${projectId}/policies/99/activate`)).status).toBe(404);
      expect((await call('GET', `/admin/v1/projects/${projectId}/policies/abc`)).body.error.param).toBe(
        'revision',
      );
      const canary = await call('POST', `/admin/v1/projects/${projectId}/policies`, {
        config: POLICY_V1,
        rollout_mode: 'canary',
      });
      expect(canary.body.error.param).toBe('canary_percent');
    });

    it('dry-runs sample text and returns decision metadata only', async () => {
      const active = await call('POST', `/admin/v1/projects/${projectId}/policies/dry-run`, {
        text: SAMPLE_TEXT,
        target: 'input',
      });
      expect(active.status).toBe(200);
      expect(active.body).toMatchObject({
        revision: 3,
        target: 'input',
        decision: 'redact',
        triggered_categories: ['denylist.secrets'],
      });
      const draft = await call('POST', `/admin/v1/projects/${projectId}/policies/dry-run`, {
        text: SAMPLE_TEXT,
        target: 'output',
        config: POLICY_V1,
      });
      expect(draft.body).toMatchObject({ revision: null, decision: 'block' });
      expect(JSON.stringify([active.body, draft.body])).not.toContain('zq7');
      const invalid = await call('POST', `/admin/v1/projects/${projectId}/policies/dry-run`, {
        text: SAMPLE_TEXT,
        target: 'input',
        config: INVALID_POLICY,
      });
      expect(invalid.body.error.param).toMatch(/^config\.rules\[0\]/);
      const badTarget = await call('POST', `/admin/v1/projects/${projectId}/policies/dry-run`, {
        text: 'x',
        target: 'sideways',
      });
      expect(badTarget.body.error.param).toBe('target');
    });

    it('revokes a key and publishes a revoked record', async () => {
      const revoked = await call('POST', `/admin/v1/projects/${projectId}/keys/${keyId}/revoke`, undefined, {
        ...auth,
        'x-admin-actor': 'carol',
      });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: keyId, status: 'revoked', revoked_at: expect.any(String) });
      const record = await latestRecord<KeyStateRecord>(
        TOPICS.keyState,
        keyId,
        (r) => r.status === 'revoked',
      );
      expect(record).toMatchObject({ key_id: keyId, project_id: projectId });
    });

    it('keeps a complete change history with no secret, hash or sample text anywhere in the schema', async () => {
      const history = await call('GET', `/admin/v1/projects/${projectId}/history?limit=100`);
      const actions = history.body.data.map((c: Json) => `${c.entity_type}:${c.action}`).reverse();
      expect(actions).toEqual([
        'project:create',
        'policy:create_revision',
        'project:plan_change',
        'key:create',
        'policy:create_revision',
        'policy:create_revision',
        'policy:rollback',
        'policy:activate',
        'key:revoke',
      ]);
      const rollback = history.body.data.find((c: Json) => c.action === 'rollback');
      expect(rollback.changes).toMatchObject({
        revision: 4,
        rolled_back_to: 2,
        active_revision: { old: 3, new: 4 },
      });

      const page = await call('GET', `/admin/v1/projects/${projectId}/history?limit=3`);
      const rest = await call(
        'GET',
        `/admin/v1/projects/${projectId}/history?limit=100&cursor=${page.body.next_cursor}`,
      );
      expect([...page.body.data, ...rest.body.data].map((c: Json) => c.id)).toEqual(
        history.body.data.map((c: Json) => c.id),
      );

      const secret = parseProjectKey(apiKey)!.secret;
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        await waitFor(
          async () => (await client.query('SELECT count(*)::int AS n FROM policy.outbox')).rows[0].n === 0,
          {
            description: 'empty outbox',
          },
        );
        const tables = await client.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'policy' ORDER BY table_name`,
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual(
          expect.arrayContaining(['api_keys', 'change_history', 'outbox', 'policy_revisions', 'projects']),
        );
        let dump = '';
        for (const { table_name } of tables.rows) {
          const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM policy."${table_name}" t`);
          dump += rows.rows.map((r) => r.row).join('\n');
        }
        expect(dump).toContain(keyId);
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(apiKey);
        expect(dump).not.toContain('zq7');
        // The hash lives in api_keys (to publish key state), never in the change history.
        const historyDump = (
          await client.query(`SELECT row_to_json(t)::text AS row FROM policy.change_history t`)
        ).rows
          .map((r) => r.row)
          .join('\n');
        expect(historyDump).not.toContain(hashKeySecret(secret));
      } finally {
        await client.end();
      }
    });

    it('republishes the full state and seeds a demo project through the same use cases', async () => {
      const counts = await app.get(StateRepublisher).republishAll();
      expect(counts.projects).toBeGreaterThanOrEqual(3);
      expect(counts.policies).toBeGreaterThanOrEqual(1);

      const seed = app.get(PolicySeedService);
      const keySecret = 'demo-secret-demo-secret-demo-secret-0123456';
      const first = await seed.seedDemoProject({
        name: 'demo',
        allowedModels: ['gpt-4o-mini'],
        keySecret,
        policyConfig: POLICY_V1,
      });
      const again = await seed.seedDemoProject({
        name: 'demo',
        allowedModels: ['gpt-4o-mini'],
        keySecret,
        policyConfig: POLICY_V1,
      });
      expect(again).toEqual({ ...first, created: false });
      expect(parseProjectKey(first.apiKey)?.secret).toBe(keySecret);
      const keyRecord = await latestRecord<KeyStateRecord>(
        TOPICS.keyState,
        parseProjectKey(first.apiKey)!.keyId,
        () => true,
      );
      expect(keyRecord).toMatchObject({
        project_id: first.projectId,
        status: 'active',
        secret_hash: hashKeySecret(keySecret),
      });
      await latestRecord<PolicyStateRecord>(TOPICS.policyState, first.projectId, (r) => r.revision === 1);
    });
  });
});
