import 'reflect-metadata';
import OpenAI from 'openai';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { costMicros, DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS, TOPICS } from '@pgw/contracts';
import { boundChatRequestTokens, GatewayServerModule, StateFollower } from '@pgw/gateway-server';
import { EventBusModule, KafkaEventBus } from '@pgw/messaging';
import {
  createTestDatabase,
  MockUpstream,
  startAtTopicEnd,
  TEST_KAFKA_BROKERS,
  waitFor,
  type TestDatabase,
} from '@pgw/testing';
import { freePort, ServiceProcess } from './support/service-process';

const REDIS_URL = 'redis://127.0.0.1:6379';
const MODEL = 'gpt-4o-mini';
/** What the mock provider reports for every completion: 30 tokens, 150 micro-dollars at $5 per million. */
const USAGE = { prompt_tokens: 20, completion_tokens: 10 };
const COST_PER_REQUEST = costMicros(30, DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS);
/** Worth 50 requests at what they actually cost. */
const BUDGET = 50 * COST_PER_REQUEST;
/** A term the project's policy blocks: a request with it passes the budget check, then stops at the policy. */
const PROBE_TERM = 'budget-probe-term';

type ChatBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
const probeBody: ChatBody = {
  model: MODEL,
  messages: [{ role: 'user', content: `mention ${PROBE_TERM}` }],
  max_tokens: 200,
};
const ask = (i: number): ChatBody => ({
  model: MODEL,
  messages: [{ role: 'user', content: `Request ${i}: say hello.` }],
  max_tokens: 10,
});

/**
 * Budgets end to end: policy and billing as processes, gateways A and B as processes sharing Redis, gateway
 * C as a process without Redis (it learns the project's spend only from billing's quota topic), the real
 * Kafka broker and Postgres, the official OpenAI client. Gateway D (in this process, for its injected
 * clock) shares A and B's Redis.
 */
describe('end to end: budgets across replicas', () => {
  const adminToken = `e2e-admin-${randomUUID()}`;
  let db: TestDatabase;
  let sql: Client;
  let mock: MockUpstream;
  const services: ServiceProcess[] = [];
  let policy: ServiceProcess;
  let gateways: { a: ServiceProcess; b: ServiceProcess; c: ServiceProcess };
  let spent: { projectId: string; key: string };
  let other: { projectId: string; key: string };

  const admin = async (path: string, body?: unknown) => {
    const response = await fetch(`${policy.url}/admin/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const project = async (budget: number) => {
    const created = await admin('/projects', {
      name: `e2e-budget-${randomUUID()}`,
      allowed_models: [MODEL],
      monthly_budget_micros: budget,
    });
    const projectId = String(created.id);
    await admin(`/projects/${projectId}/policies`, {
      config: {
        version: 1,
        rules: [
          { id: 'probe', category: 'denylist.e2e', target: 'input', action: 'block', terms: [PROBE_TERM] },
        ],
      },
      message: 'probe term',
    });
    return { projectId, key: String((await admin(`/projects/${projectId}/keys`, { name: 'e2e' })).key) };
  };
  const client = (gateway: { url: string }, apiKey: string, maxRetries = 0) =>
    new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries });
  /** A zero-cost probe: 403 once past the budget check (the policy blocks it), 429 when the budget refuses. */
  const probe = (gateway: { url: string }, apiKey: string) =>
    client(gateway, apiKey)
      .chat.completions.create(probeBody)
      .then(
        () => ({ status: 200, retry: null as string | null }),
        (error: unknown) => {
          if (!(error instanceof OpenAI.APIError)) throw error;
          return { status: error.status, retry: error.headers?.get('x-should-retry') ?? null };
        },
      );
  const billed = async (projectId: string) => {
    const { rows } = await sql.query(
      `SELECT count(*) FILTER (WHERE status = 'ok')::int AS ok, coalesce(sum(cost_micros), 0)::bigint AS cost,
              coalesce(sum(total_tokens), 0)::bigint AS tokens
         FROM billing.usage_events WHERE project_id = $1`,
      [projectId],
    );
    return { ok: Number(rows[0].ok), cost: Number(rows[0].cost), tokens: Number(rows[0].tokens) };
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e_budgets');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    mock = await MockUpstream.start();
    // A little upstream time, so that requests overlap and reservations are held concurrently.
    mock.setDefault({ content: 'Hello.', usage: USAGE, delayMs: 20 });
    const common = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      ADMIN_TOKEN: adminToken,
    };
    const billingGroup = `e2e-budgets-${randomUUID()}`;
    const keyUsageGroup = `e2e-budgets-keys-${randomUUID()}`;
    await startAtTopicEnd(`${billingGroup}.${TOPICS.usage}`, TOPICS.usage);
    await startAtTopicEnd(keyUsageGroup, TOPICS.usage);
    policy = new ServiceProcess('policy', await freePort(), {
      ...common,
      KEY_USAGE_CONSUMER_GROUP: keyUsageGroup,
    });
    const billing = new ServiceProcess('billing', await freePort(), {
      ...common,
      KAFKA_CONSUMER_GROUP: billingGroup,
      METRICS_PORT: String(await freePort()),
    });
    services.push(policy, billing);
    const gateway = async (name: string, redis: boolean) =>
      new ServiceProcess('gateway', await freePort(), {
        KAFKA_BROKERS: common.KAFKA_BROKERS,
        UPSTREAM_BASE_URL: mock.baseUrl,
        UPSTREAM_API_KEY: 'upstream-secret',
        INSTANCE_ID: `e2e-budgets-${name}-${randomUUID().slice(0, 8)}`,
        // Each replica's /metrics listener needs its own port.
        METRICS_PORT: String(await freePort()),
        SPILL_DIR: `tmp/e2e-spill-${randomUUID()}`,
        ...(redis ? { REDIS_URL } : {}),
      });
    // Started in two waves, with room for a busy machine: five Node processes booting at once on two cores
    // can take over a minute.
    await Promise.all(services.map((service) => service.waitUntilReady('/readyz', 150_000)));
    gateways = { a: await gateway('a', true), b: await gateway('b', true), c: await gateway('c', false) };
    services.push(gateways.a, gateways.b, gateways.c);
    await Promise.all(services.map((service) => service.waitUntilReady('/readyz', 150_000)));

    [spent, other] = await Promise.all([project(BUDGET), project(1_000_000)]);
    // Keys, projects and policies reach every gateway over the compacted state topics.
    for (const gateway of Object.values(gateways)) {
      for (const { key } of [spent, other]) {
        await waitFor(async () => (await probe(gateway, key)).status === 403, {
          timeoutMs: 30_000,
          description: `${gateway.url} to know the key and enforce the policy`,
        });
      }
    }
  }, 400_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await mock?.close();
    await sql?.end();
    await db?.drop();
  });

  it('(a) 200 concurrent requests through two replicas spend no more than the budget, and billing counts what the upstream reported', async () => {
    const upstreamBefore = mock.requestCount;
    const started = Date.now();
    // The official client's own retries: it retries the "held by requests in flight" 429 (Retry-After),
    // and stops at once on the budget-exhausted 429 (x-should-retry: false).
    const clients = [client(gateways.a, spent.key, 4), client(gateways.b, spent.key, 4)];
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => clients[i % 2].chat.completions.create(ask(i))),
    );
    const answeredMs = Date.now() - started;
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(ok.length + refused.length).toBe(200);
    for (const error of refused) {
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('budget_exceeded');
    }
    const isFinal = (e: unknown) =>
      (e as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('x-should-retry') === 'false';
    const final = refused.filter(isFinal).length;
    // How far the concurrent burst got depends on the machine's speed (a refusal while others hold the
    // rest is retried only so often); sequential requests, alternating replicas, then spend what is left
    // until the budget refuses for good, so that the budget is always reached.
    let topUp = 0;
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(60);
      const outcome = await clients[i % 2].chat.completions.create(ask(200 + i)).then(
        (completion) => completion,
        (error: unknown) => error,
      );
      if (outcome instanceof OpenAI.RateLimitError && isFinal(outcome)) break;
      if (outcome instanceof Error) throw outcome;
      ok.push(outcome as OpenAI.Chat.Completions.ChatCompletion);
      topUp++;
    }
    // Refused requests never reached the provider.
    expect(mock.requestCount - upstreamBefore).toBe(ok.length);

    const reported = ok.reduce((sum, c) => sum + (c.usage?.total_tokens ?? 0), 0);
    const fromBilling = await waitFor(
      async () => {
        const b = await billed(spent.projectId);
        return b.ok === ok.length ? b : null;
      },
      { timeoutMs: 20_000, description: 'billing to record every answered request' },
    );
    expect(fromBilling.tokens).toBe(reported);
    expect(fromBilling.cost).toBe(ok.length * COST_PER_REQUEST);
    const estimate = costMicros(
      boundChatRequestTokens(ask(199) as never, Buffer.byteLength(JSON.stringify(ask(199))), MODEL)
        .totalTokens,
      DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS,
    );
    const overspend = fromBilling.cost - BUDGET;
    console.log(
      `(a) budget ${BUDGET} µ$, one request's estimate ${estimate} µ$ (actual ${COST_PER_REQUEST} µ$): ` +
        `${ok.length - topUp} of 200 concurrent answered, ${refused.length} refused (${final} as exhausted), ` +
        `${topUp} more answered sequentially; ` +
        `billed ${fromBilling.cost} µ$, overspend ${overspend} µ$; ` +
        `all answered in ${answeredMs} ms, billing complete ${Date.now() - started} ms after the start`,
    );
    expect(overspend).toBeLessThanOrEqual(estimate);
    // The budget was used, not refused early: what is left is less than one request's estimate.
    expect(BUDGET - fromBilling.cost).toBeLessThan(estimate);
  }, 120_000);

  it("(b) a replica that shares no store refuses through billing's usage consumption and quota topic, within 10 s", async () => {
    // Gateway C holds no reservation of this project: it knows the spend only from billing's quota records.
    // The budget leaves room for 5 requests plus half of one beyond C's probe; the 6th answer (on A) takes
    // billing's spend past what C lets the probe hold.
    const probeBound = costMicros(
      boundChatRequestTokens(probeBody as never, Buffer.byteLength(JSON.stringify(probeBody)), MODEL)
        .totalTokens,
      DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS,
    );
    const viaBilling = await project(probeBound + 5 * COST_PER_REQUEST + COST_PER_REQUEST / 2);
    await waitFor(async () => (await probe(gateways.c, viaBilling.key)).status === 403, {
      timeoutMs: 30_000,
      description: 'gateway C to know the key',
    });
    const a = client(gateways.a, viaBilling.key);
    for (let i = 0; i < 5; i++) await a.chat.completions.create(ask(i));
    await waitFor(async () => (await billed(viaBilling.projectId)).ok === 5, {
      description: 'billing to record 5 requests',
    });
    expect((await probe(gateways.c, viaBilling.key)).status).toBe(403);

    await a.chat.completions.create(ask(5));
    const answered = Date.now();
    const refusal = await waitFor(
      async () => {
        const outcome = await probe(gateways.c, viaBilling.key);
        return outcome.status === 429 ? outcome : null;
      },
      {
        timeoutMs: 10_000,
        intervalMs: 10,
        description: 'gateway C to refuse once billing counts the 6th request',
      },
    );
    console.log(
      `(b) gateway C (no Redis) refused ${Date.now() - answered} ms after the answer that spent the budget`,
    );
    expect(refusal.retry).toBe('false');
    const { rows } = await sql.query(`SELECT * FROM billing.quota_states WHERE project_id = $1`, [
      viaBilling.projectId,
    ]);
    expect(Number(rows[0].spent_micros)).toBe(6 * COST_PER_REQUEST);
  }, 60_000);

  it('(c) another project keeps its budget on every replica', async () => {
    for (const gateway of Object.values(gateways)) {
      expect((await probe(gateway, spent.key)).status).toBe(429);
      const completion = await client(gateway, other.key).chat.completions.create(ask(0));
      expect(completion.usage?.total_tokens).toBe(30);
    }
  });

  it('(d) a new period reopens the budget (injected clock)', async () => {
    let offsetMs = 0;
    const bus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: `e2e-budgets-d-${randomUUID()}` });
    const app = await NestFactory.create<NestFastifyApplication>(
      {
        module: class BudgetClockGateway {},
        imports: [
          EventBusModule.forRoot(bus),
          GatewayServerModule.forRoot({
            instanceId: `e2e-budgets-d-${randomUUID().slice(0, 8)}`,
            routes: {},
            defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'upstream-secret' },
            limits: { kind: 'redis', url: REDIS_URL },
            clock: () => Date.now() + offsetMs,
          }),
        ],
      },
      new FastifyAdapter(),
      { logger: ['error', 'warn'] },
    );
    try {
      await app.listen(0, '127.0.0.1');
      await app.get(StateFollower).waitUntilCaughtUp();
      const d = { url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
      await waitFor(async () => (await probe(d, other.key)).status === 403, {
        description: 'gateway D to know the keys',
      });
      const outcome = await probe(d, spent.key);
      expect(outcome).toEqual({ status: 429, retry: 'false' });

      const now = new Date();
      offsetMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime() + 1_000;
      expect((await probe(d, spent.key)).status).toBe(403);
      const completion = await client(d, spent.key).chat.completions.create(ask(0));
      expect(completion.usage?.total_tokens).toBe(30);
    } finally {
      await app.close();
      await bus.close();
    }
  }, 60_000);
});
