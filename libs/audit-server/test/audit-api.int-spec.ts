import { TOPICS } from '@pgw/contracts';
import { InProcessEventBus } from '@pgw/messaging';
import { waitFor } from '@pgw/testing';
import {
  ADMIN_TOKEN,
  countRows,
  decisionMessage,
  publishKey,
  publishProjectState,
  startAudit,
  uniqueId,
  type AuditHarness,
} from './audit-harness';

const HOUR_MS = 3_600_000;

describe('audit query, stats and export APIs', () => {
  const bus = new InProcessEventBus((error) => console.error(error));
  let audit: AuditHarness;
  const enterprise = uniqueId('ent');
  const free = uniqueId('free');
  const base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
  let entKey: string;
  let freeKey: string;
  let revokedKey: string;
  let expiredKey: string;

  const get = async (url: string, token?: string) => {
    const response = await audit.app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.statusCode,
      body: response.body,
      json: () => response.json(),
      headers: response.headers,
    };
  };

  beforeAll(async () => {
    publishProjectState(bus, enterprise, 'enterprise', 365);
    publishProjectState(bus, free, 'free', 30);
    entKey = publishKey(bus, enterprise).key;
    freeKey = publishKey(bus, free).key;
    revokedKey = publishKey(bus, enterprise, { status: 'revoked' }).key;
    expiredKey = publishKey(bus, enterprise, { expires_at: new Date(Date.now() - 1000).toISOString() }).key;
    audit = await startAudit(bus, 'api');
    // 30 events for the enterprise project over three hours, 10 for the free one.
    const messages = [];
    for (let i = 0; i < 30; i++) {
      messages.push(
        decisionMessage(enterprise, {
          created_at: new Date(base + (i % 3) * HOUR_MS + i * 1000).toISOString(),
          decision: i % 5 === 0 ? 'block' : i % 5 === 1 ? 'redact' : 'allow',
          reason_code: i % 5 === 0 ? 'secret_detected' : 'ok',
          triggered_categories: i % 5 === 0 ? ['secrets.aws', 'pii.email'] : i % 5 === 1 ? ['pii.email'] : [],
          enforced: i % 2 === 0,
          rollout_mode: i % 2 === 0 ? 'enforce' : 'shadow',
          model: i < 20 ? 'gpt-4o-mini' : 'gpt-4o',
          policy_user: `user-${i % 3}`,
          policy_id: 'pol_ent',
        }),
      );
    }
    for (let i = 0; i < 10; i++)
      messages.push(decisionMessage(free, { created_at: new Date(base + i * 1000).toISOString() }));
    bus.publish(TOPICS.decisions, messages);
    await waitFor(
      async () => (await countRows(audit.pg, 'project_id = ANY($1)', [[enterprise, free]])) === 40,
    );
  });

  afterAll(async () => {
    await audit?.close();
    await bus.close();
  });

  describe('auth', () => {
    it.each([
      ['no token', undefined, 401, 'unauthorized'],
      ['a wrong admin token', 'nope', 403, 'forbidden'],
      ['a malformed project key', 'pgw_xx', 401, 'unauthorized'],
    ])('refuses %s', async (_name, token, status, code) => {
      const response = await get('/admin/v1/audit/decisions', token);
      expect(response.status).toBe(status);
      expect(response.json()).toEqual({ error: expect.objectContaining({ code }) });
    });

    it('refuses a revoked or expired key with 401', async () => {
      expect((await get('/admin/v1/audit/decisions', revokedKey)).status).toBe(401);
      expect((await get('/admin/v1/audit/decisions', expiredKey)).status).toBe(401);
    });

    it('pins a project key to its own project', async () => {
      const own = await get('/admin/v1/audit/decisions?limit=500', freeKey);
      expect(own.status).toBe(200);
      expect(own.json().data).toHaveLength(10);
      expect(new Set(own.json().data.map((r: { project_id: string }) => r.project_id))).toEqual(
        new Set([free]),
      );
      const other = await get(`/admin/v1/audit/decisions?project_id=${enterprise}`, freeKey);
      expect(other.status).toBe(403);
    });
  });

  describe('listing', () => {
    it('pages through every record once, newest first, with the documented fields only', async () => {
      const seen: { event_id: string; created_at: string }[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; json: () => { data: typeof seen; next_cursor: string | null } } =
          await get(
            `/admin/v1/audit/decisions?project_id=${enterprise}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
            ADMIN_TOKEN,
          );
        expect(page.status).toBe(200);
        seen.push(...page.json().data);
        cursor = page.json().next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(30);
      expect(new Set(seen.map((r) => r.event_id)).size).toBe(30);
      const times = seen.map((r) => r.created_at);
      expect([...times].sort().reverse()).toEqual(times);
      expect(Object.keys(seen[0]).sort()).toEqual(
        [
          'allowlist_hits',
          'created_at',
          'decision',
          'denylist_hits',
          'enforced',
          'event_id',
          'model',
          'policy_id',
          'policy_project_id',
          'policy_target',
          'policy_user',
          'project_id',
          'reason_code',
          'request_id',
          'rollout_mode',
          'triggered_categories',
        ].sort(),
      );
    });

    it.each([
      ['decision=block', 6],
      ['reason_code=secret_detected', 6],
      ['category=pii.email', 12],
      ['category=secrets.aws', 6],
      ['enforced=false', 15],
      ['rollout_mode=shadow', 15],
      ['model=gpt-4o', 10],
      ['policy_user=user-1', 10],
      ['policy_id=pol_ent', 30],
      ['decision=block&enforced=true', 3],
    ])('filters by %s', async (filter, expected) => {
      const response = await get(`/admin/v1/audit/decisions?limit=500&${filter}`, entKey);
      expect(response.status).toBe(200);
      expect(response.json().data).toHaveLength(expected);
    });

    it('filters by a time range [from, to)', async () => {
      const from = new Date(base + HOUR_MS).toISOString();
      const to = new Date(base + 2 * HOUR_MS).toISOString();
      const response = await get(`/admin/v1/audit/decisions?limit=500&from=${from}&to=${to}`, entKey);
      expect(response.json().data).toHaveLength(10);
    });

    it('names the offending parameter of a bad query', async () => {
      const bad = await get('/admin/v1/audit/decisions?decision=maybe', ADMIN_TOKEN);
      expect(bad.status).toBe(400);
      expect(bad.json().error.param).toBe('decision');
      expect((await get('/admin/v1/audit/decisions?prompt=x', ADMIN_TOKEN)).status).toBe(400);
      expect((await get('/admin/v1/audit/decisions?cursor=garbage', ADMIN_TOKEN)).json().error.param).toBe(
        'cursor',
      );
    });
  });

  it('counts decisions and categories per hour', async () => {
    const from = new Date(base).toISOString();
    const to = new Date(base + 3 * HOUR_MS).toISOString();
    const response = await get(`/admin/v1/audit/decisions/stats?bucket=hour&from=${from}&to=${to}`, entKey);
    expect(response.status).toBe(200);
    const stats = response.json();
    expect(stats.buckets).toHaveLength(3);
    expect(stats.buckets.map((b: { total: number }) => b.total)).toEqual([10, 10, 10]);
    const totals = { block: 0, redact: 0, allow: 0, flag: 0 } as Record<string, number>;
    let email = 0;
    for (const bucket of stats.buckets) {
      for (const [decision, n] of Object.entries(bucket.decisions)) totals[decision] += n as number;
      email += bucket.categories['pii.email'] ?? 0;
    }
    expect(totals).toEqual({ block: 6, redact: 6, allow: 18, flag: 0 });
    expect(email).toBe(12);
    const daily = await get(`/admin/v1/audit/decisions/stats?bucket=day&from=${from}&to=${to}`, ADMIN_TOKEN);
    expect(daily.status).toBe(200);
  });

  describe('export', () => {
    const range = () =>
      `from=${new Date(base - HOUR_MS).toISOString()}&to=${new Date(base + 4 * HOUR_MS).toISOString()}`;

    it('is an enterprise feature: 403 plan_feature_unavailable otherwise', async () => {
      const byKey = await get(`/admin/v1/audit/export?format=jsonl&${range()}`, freeKey);
      expect(byKey.status).toBe(403);
      expect(byKey.json().error.code).toBe('plan_feature_unavailable');
      const byAdmin = await get(
        `/admin/v1/audit/export?format=csv&${range()}&project_id=${free}`,
        ADMIN_TOKEN,
      );
      expect(byAdmin.json().error.code).toBe('plan_feature_unavailable');
    });

    it('streams CSV with the documented header for an enterprise key', async () => {
      const response = await get(`/admin/v1/audit/export?format=csv&${range()}`, entKey);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain('text/csv');
      const lines = response.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'event_id,created_at,project_id,request_id,decision,reason_code,triggered_categories,rollout_mode,enforced,' +
          'policy_id,policy_user,policy_project_id,policy_target,allowlist_hits,denylist_hits,model',
      );
      expect(lines).toHaveLength(31);
      expect(lines.some((l) => l.includes('secrets.aws;pii.email'))).toBe(true);
    });

    it('streams JSONL of every project for the admin, oldest first', async () => {
      const response = await get(`/admin/v1/audit/export?format=jsonl&${range()}`, ADMIN_TOKEN);
      expect(response.status).toBe(200);
      const records = response.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const ours = records.filter((r) => r.project_id === enterprise || r.project_id === free);
      expect(ours).toHaveLength(40);
      const times = records.map((r) => r.created_at);
      expect([...times].sort()).toEqual(times);
    });

    it('requires a time range', async () => {
      const response = await get('/admin/v1/audit/export?format=jsonl', ADMIN_TOKEN);
      expect(response.status).toBe(400);
      expect(response.json().error.param).toBe('from');
    });
  });
});
