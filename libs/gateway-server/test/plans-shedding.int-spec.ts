import OpenAI from 'openai';
import { KafkaEventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';

/**
 * Priority throughput under an overload made in the test: a slow upstream with bounded concurrency (40
 * in flight, like a provider's account limit) held by the mock until the whole burst has been answered or
 * parked, so who got a slot depends only on the admission rule, never on timing. Real gateway (in-process
 * Nest app, real Kafka for its state), official OpenAI client without retries.
 *
 * With the per-upstream limit set to the provider's 40 and the default shares (free 0.5, team 0.85), free
 * traffic can hold at most 20 slots and team always finds the 14 between 20 and 34, whatever the arrival
 * order: 14 team requests all pass, at most 20 of 60 free requests do. The event-loop thresholds are set
 * out of reach here so a loaded test machine cannot close a class (that path has its own unit tests).
 */
describe('gateway: load shedding by plan', () => {
  const PROVIDER_CONCURRENCY = 40;
  const FREE = 60;
  const TEAM = 14;
  const ENTERPRISE = 6;
  let mock: MockUpstream;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;
  const gateways: RunningGateway[] = [];
  const keys: Record<'free' | 'team' | 'enterprise', string> = { free: '', team: '', enterprise: '' };

  beforeAll(async () => {
    mock = await MockUpstream.start({ maxConcurrent: PROVIDER_CONCURRENCY, recordRequests: false });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
    for (const plan of ['free', 'team', 'enterprise'] as const) {
      const project = await seed.project({ plan, name: `${plan} project` });
      keys[plan] = (await seed.key(project.project_id)).apiKey;
    }
  });

  afterAll(async () => {
    mock?.release();
    for (const gateway of gateways) await gateway.close();
    await seedBus?.close();
    await mock?.close();
  });

  async function gateway(enabled: boolean): Promise<RunningGateway> {
    const running = await startGateway({
      routes: {},
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' },
      loadShedding: {
        enabled,
        maxInFlightPerUpstream: PROVIDER_CONCURRENCY,
        eventLoopDelayMs: [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      },
    });
    gateways.push(running);
    // The keys arrive through Kafka: wait until every plan's key is known here.
    for (const apiKey of Object.values(keys)) {
      const client = new OpenAI({ apiKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
      await waitFor(() =>
        client.models.list().then(
          () => true,
          () => false,
        ),
      );
    }
    return running;
  }

  interface Outcome {
    plan: string;
    ok: boolean;
    error?: unknown;
  }

  /** Sends the burst (free first, so free meets an empty upstream), waits until nothing is undecided, then lets the upstream answer. */
  async function burst(target: RunningGateway): Promise<Outcome[]> {
    const client = (plan: keyof typeof keys) =>
      new OpenAI({ apiKey: keys[plan], baseURL: `${target.url}/v1`, maxRetries: 0 });
    const plans: (keyof typeof keys)[] = [
      ...Array<'free'>(FREE).fill('free'),
      ...Array<'team'>(TEAM).fill('team'),
      ...Array<'enterprise'>(ENTERPRISE).fill('enterprise'),
    ];
    let answered = 0;
    mock.reset();
    mock.hold();
    const settled = plans.map((plan) =>
      client(plan)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .then(
          (): Outcome => ({ plan, ok: true }),
          (error: unknown): Outcome => (answered++, { plan, ok: false, error }),
        ),
    );
    // Every request is either answered already (shed, or 429 from the provider) or parked upstream.
    await waitFor(() => answered + mock.heldRequests === plans.length);
    mock.release();
    return Promise.all(settled);
  }

  function rates(outcomes: Outcome[]) {
    return Object.fromEntries(
      (['free', 'team', 'enterprise'] as const).map((plan) => {
        const mine = outcomes.filter((o) => o.plan === plan);
        const ok = mine.filter((o) => o.ok).length;
        return [plan, { sent: mine.length, ok, rate: ok / mine.length }];
      }),
    ) as Record<keyof typeof keys, { sent: number; ok: number; rate: number }>;
  }

  it('sheds free before team and enterprise, with 429 + Retry-After + code overloaded, and never calls the upstream for them', async () => {
    const on = await gateway(true);
    const off = await gateway(false);
    const shedding = await burst(on);
    const upstreamCallsWithShedding = mock.requestCount;
    const reference = await burst(off);

    const withShedding = rates(shedding);
    const without = rates(reference);
    console.log(
      [
        `overload: ${FREE} free + ${TEAM} team + ${ENTERPRISE} enterprise concurrent requests, upstream limit ${PROVIDER_CONCURRENCY} in flight`,
        'plan        | shedding on: ok/sent  rate | shedding off: ok/sent  rate',
        ...(['free', 'team', 'enterprise'] as const).map(
          (plan) =>
            `${plan.padEnd(11)} | ${`${withShedding[plan].ok}/${withShedding[plan].sent}`.padStart(19)}  ${withShedding[plan].rate.toFixed(2)} | ${`${without[plan].ok}/${without[plan].sent}`.padStart(20)}  ${without[plan].rate.toFixed(2)}`,
        ),
      ].join('\n'),
    );

    expect(withShedding.team.rate).toBe(1);
    expect(withShedding.enterprise.rate).toBe(1);
    expect(withShedding.free.ok).toBeLessThanOrEqual(20); // free's share of 40
    expect(withShedding.free.rate).toBeLessThanOrEqual(0.5);
    // Everything admitted went upstream and nothing else did; the provider never had to say 429.
    expect(upstreamCallsWithShedding).toBe(withShedding.free.ok + TEAM + ENTERPRISE);
    for (const { error } of shedding.filter((o) => !o.ok)) {
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const e = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.status).toBe(429);
      expect(e.code).toBe('overloaded');
      expect(e.type).toBe('rate_limit_error');
      expect(Number(e.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Without shedding the provider's own limit decides: at most 40 pass, whoever came first.
    expect(without.free.ok + without.team.ok + without.enterprise.ok).toBeLessThanOrEqual(
      PROVIDER_CONCURRENCY,
    );
    expect(
      reference.filter((o) => !o.ok).every((o) => (o.error as { code?: string }).code !== 'overloaded'),
    ).toBe(true);

    const metrics = await (await fetch(`${on.metricsUrl}/metrics`)).text();
    expect(metrics).toContain(
      `pgw_gateway_shed_total{plan="free",reason="capacity"} ${FREE - withShedding.free.ok}`,
    );
    expect(metrics).toMatch(/pgw_gateway_upstream_in_flight\{upstream="http:\/\/127\.0\.0\.1:\d+"\} 0/);
  });
});
