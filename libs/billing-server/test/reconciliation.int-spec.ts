import { randomBytes, randomInt } from 'node:crypto';
import {
  costMicros,
  DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS,
  TOPICS,
  uuidv7,
  type DeadLetterRecord,
  TOPIC_CODECS,
  uncheckedEncoded,
  type QuotaStateRecord,
  type UsageEvent,
  type UsagePayload,
} from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import {
  createTestDatabase,
  readTopicSince,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
  type TestDatabase,
} from '@pgw/testing';
import { Client } from 'pg';
import { UsageIngestService } from '../src';
import { startBillingTestApp, type BillingTestApp } from './billing-test-app';
import { asMessage, parseJson, projectState, usageEvent } from './usage-fixtures';

/**
 * Billing against the real Kafka broker and Postgres: what is billed reconciles exactly, to the token and
 * the micro-dollar, with the unique events produced, whatever the duplicates and poison messages.
 */
describe('billing reconciliation (Kafka + Postgres)', () => {
  const run = `${(process.env.PGW_TEST_RUN_ID ?? 'local').replace(/[^a-z0-9]/gi, '')}${randomBytes(3).toString('hex')}`;
  const consumerName = `billing-${run}`;
  const projects = [0, 1, 2, 3].map((i) => `recon_${run}_p${i}`);
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? TEST_KAFKA_BROKERS;
  const A_PRICE = 1_234_567; // odd on purpose: exercises rounding half up
  const B_PRICE = 9_000_000;
  let db: TestDatabase;
  let serverBus: KafkaEventBus;
  let producerBus: KafkaEventBus;
  let billing: BillingTestApp;
  let pg: Client;
  // Where the shared topics this file inspects ended before it published anything.
  let deadLetterStart: PartitionOffsets;
  let quotaStateStart: PartitionOffsets;

  beforeAll(async () => {
    deadLetterStart = await topicEndOffsets(TOPICS.deadLetter);
    quotaStateStart = await topicEndOffsets(TOPICS.quotaState);
    db = await createTestDatabase('billingrecon');
    serverBus = new KafkaEventBus({ brokers, clientId: consumerName });
    producerBus = new KafkaEventBus({ brokers, clientId: `gateway-sim-${run}` });
    billing = await startBillingTestApp(
      serverBus,
      { database: { kind: 'postgres', url: db.url }, consumerName, outboxPollIntervalMs: 250 },
      consumerName, // the consumer group: unique per run, so this run's database sees every event once
    );
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await billing?.close();
    // Tidy the compacted topics this run wrote to.
    const keys = [...projects, `recon_${run}_budget`];
    await producerBus
      ?.publishAndWait(
        TOPICS.projectState,
        keys.map((key) => ({ key, value: null })),
      )
      .catch(() => undefined);
    await producerBus
      ?.publishAndWait(
        TOPICS.quotaState,
        keys.map((key) => ({ key, value: null })),
      )
      .catch(() => undefined);
    await producerBus?.close();
    await serverBus?.close();
    await pg?.end();
    await db?.drop();
  });

  it('bills every unique event exactly once, at the price effective when it started', async () => {
    // Price rules: recon-a changes price shortly (events straddle the change); recon-b changes price in an
    // hour, after every event (must not apply: never retroactive); recon-c keeps the default.
    const effectiveA = new Date(Date.now() + 1_500);
    const createdA = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'recon-a',
      price_micros_per_million: A_PRICE,
      effective_from: effectiveA.toISOString(),
    });
    expect(createdA.status).toBe(201);
    const createdB = await billing.request('POST', '/admin/v1/billing/prices', {
      model: 'recon-b',
      price_micros_per_million: B_PRICE,
      effective_from: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(createdB.status).toBe(201);
    await waitFor(() => Date.now() > effectiveA.getTime() + 5, {
      description: 'the recon-a price to take effect',
    });

    const models = ['recon-a', 'recon-b', 'recon-c'];
    const unique: UsageEvent[] = [];
    for (let i = 0; i < 300; i++) {
      const model = models[i % 3];
      // Half the recon-a events start before its new price, half at/after it (one exactly at it).
      const startedAt =
        i === 0
          ? effectiveA
          : new Date(
              i % 2 === 0
                ? effectiveA.getTime() - randomInt(1, 20 * 60_000)
                : effectiveA.getTime() + randomInt(0, Math.max(1, Date.now() - effectiveA.getTime())),
            );
      unique.push(
        usageEvent(projects[i % projects.length], {
          model,
          ...randomOutcome(),
          started_at: startedAt.toISOString(),
        }),
      );
    }
    const duplicates = unique.filter((_, i) => i % 7 === 0);
    const tag = randomBytes(4).toString('hex');
    const poison = [
      '{"this is": not json',
      JSON.stringify({
        ...unique[1],
        payload: { ...unique[1].payload, [`prompt_${tag}`]: 'text must never be accepted' },
      }),
      JSON.stringify({ ...unique[2], event_id: uuidv7(), [`extra_${tag}`]: 1 }),
    ];

    // Unique events and some duplicates together (same and different batches), poison in between, the
    // duplicates again, then one sentinel per project: once the sentinels are in, everything before them
    // on their partitions (keyed by project) has been processed.
    await producerBus.publishAndWait(
      TOPICS.usage,
      [...unique.slice(0, 150), ...duplicates.slice(0, 10)].map(asMessage),
    );
    await producerBus.publishAndWait(
      TOPICS.usage,
      poison.map((value) => ({ key: projects[0], value: uncheckedEncoded<UsageEvent>(value) })), // rejected on purpose
    );
    await producerBus.publishAndWait(TOPICS.usage, unique.slice(150).map(asMessage));
    await producerBus.publishAndWait(TOPICS.usage, duplicates.map(asMessage));
    const sentinels = projects.map((project) =>
      usageEvent(project, { model: 'recon-c', input_tokens: 1, output_tokens: 1 }),
    );
    await producerBus.publishAndWait(TOPICS.usage, sentinels.map(asMessage));
    const all = [...unique, ...sentinels];

    await waitFor(
      async () => {
        const { rows } = await pg.query(
          `SELECT count(*)::int AS n FROM billing.usage_events WHERE event_id = ANY($1::uuid[])`,
          [sentinels.map((e) => e.event_id)],
        );
        return rows[0].n === sentinels.length;
      },
      { timeoutMs: 60_000, description: 'the consumer to reach the sentinels' },
    );

    // The duplicates were delivered and recognised (other runs' history may add more, never fewer).
    expect(billing.app.get(UsageIngestService).stats.duplicates).toBeGreaterThanOrEqual(
      duplicates.length + 10,
    );

    const priceOf = (event: UsageEvent): number =>
      event.payload.model === 'recon-a' && Date.parse(event.payload.started_at) >= effectiveA.getTime()
        ? A_PRICE
        : DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS;
    const expected = sums(all, priceOf);
    expect(all.some((e) => priceOf(e) === A_PRICE)).toBe(true);
    expect(all.some((e) => e.payload.model === 'recon-a' && priceOf(e) !== A_PRICE)).toBe(true);

    // Raw rows: each unique event once, with its own price.
    const raw = await pg.query(
      `SELECT count(*)::int AS requests, sum(input_tokens)::bigint AS input, sum(output_tokens)::bigint AS output,
         sum(total_tokens)::bigint AS total, sum(cost_micros)::bigint AS cost
       FROM billing.usage_events WHERE project_id = ANY($1)`,
      [projects],
    );
    expect(numbers(raw.rows[0])).toEqual(expected);
    const prices = await pg.query(
      `SELECT event_id, price_micros_per_million::int AS price FROM billing.usage_events WHERE project_id = ANY($1)`,
      [projects],
    );
    const byId = new Map(all.map((e) => [e.event_id, e]));
    for (const row of prices.rows)
      expect([row.event_id, row.price]).toEqual([row.event_id, priceOf(byId.get(row.event_id)!)]);
    expect(prices.rows.some((row) => row.price === B_PRICE)).toBe(false);

    // Rollups and budget spend equal the raw sums, per project.
    for (const project of projects) {
      const mine = all.filter((e) => e.project_id === project);
      const hourly = await pg.query(
        `SELECT sum(requests)::int AS requests, sum(input_tokens)::bigint AS input, sum(output_tokens)::bigint AS output,
           sum(total_tokens)::bigint AS total, sum(cost_micros)::bigint AS cost
         FROM billing.usage_hourly WHERE project_id = $1`,
        [project],
      );
      expect(numbers(hourly.rows[0])).toEqual(sums(mine, priceOf));
      const spent = await pg.query(
        `SELECT sum(spent_micros)::bigint AS cost FROM billing.budget_periods WHERE project_id = $1`,
        [project],
      );
      expect(Number(spent.rows[0].cost)).toBe(sums(mine, priceOf).cost);

      // And the report API says the same.
      const from = new Date(effectiveA.getTime() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const report = await billing.request(
        'GET',
        `/admin/v1/billing/projects/${project}/usage?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      );
      const expectedMine = sums(mine, priceOf);
      expect(report.json<{ totals: unknown }>().totals).toEqual({
        requests: expectedMine.requests,
        input_tokens: expectedMine.input,
        output_tokens: expectedMine.output,
        total_tokens: expectedMine.total,
        cost_micros: expectedMine.cost,
        cost_usd: `${Math.floor(expectedMine.cost / 1e6)}.${String(expectedMine.cost % 1e6).padStart(6, '0')}`,
      });
    }

    // The poison messages are on the dead-letter topic, with reasons and without their content.
    const dead = await waitFor(
      async () => {
        // The topic is shared with every other test on the broker: skip what is not a dead-letter record.
        const records = (await readTopicSince(TOPICS.deadLetter, deadLetterStart))
          .map((m) => parseJson<DeadLetterRecord>(m.value))
          .filter(
            (r): r is DeadLetterRecord => r?.consumer === consumerName && r.source_topic === TOPICS.usage,
          );
        const found = [
          records.find((r) => r.reason === 'message is not valid JSON'),
          records.find((r) => r.reason.includes(`payload.prompt_${tag} is not an allowed field`)),
          records.find((r) => r.reason.includes(`envelope.extra_${tag} is not an allowed field`)),
        ];
        return found.every(Boolean) ? (found as DeadLetterRecord[]) : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: 'the poison messages on the dead-letter topic' },
    );
    expect(JSON.stringify(dead)).not.toContain('text must never be accepted');
  });

  it('publishes an exhausted quota record when a project crosses its budget', async () => {
    const project = `recon_${run}_budget`;
    // Budget 10_000 micros ($0.01); at $5 per 1M tokens that is 2_000 tokens; soft alert at 80% = 8_000.
    await producerBus.publishAndWait(TOPICS.projectState, [
      { key: project, value: TOPIC_CODECS.projectState.encode(projectState(project, 10_000, 80)) },
    ]);
    await waitFor(
      async () =>
        (await readTopicSince(TOPICS.quotaState, quotaStateStart)).some(
          (m) =>
            m.key === project &&
            (JSON.parse(m.value ?? 'null') as QuotaStateRecord | null)?.limit_micros === 10_000,
        ),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        description: 'the budget setting to be published as quota state',
      },
    );
    await producerBus.publishAndWait(
      TOPICS.usage,
      [1_200, 900].map((tokens) =>
        asMessage(usageEvent(project, { model: 'recon-c', input_tokens: tokens, output_tokens: 0 })),
      ),
    );
    const exhausted = await waitFor(
      async () =>
        (await readTopicSince(TOPICS.quotaState, quotaStateStart))
          .filter((m) => m.key === project && m.value)
          .map((m) => JSON.parse(m.value as string) as QuotaStateRecord)
          .find((record) => record.exhausted),
      { timeoutMs: 30_000, intervalMs: 250, description: 'an exhausted quota record' },
    );
    expect(exhausted).toMatchObject({
      project_id: project,
      spent_micros: 10_500,
      limit_micros: 10_000,
      soft_limit_micros: 8_000,
      exhausted: true,
    });
    const alerts = await pg.query(
      `SELECT kind FROM billing.budget_alerts WHERE project_id = $1 ORDER BY kind`,
      [project],
    );
    expect(alerts.rows.map((r) => r.kind)).toEqual(['exhausted', 'soft']);
  });
});

/** ok / streamed / cancelled mid-stream / upstream error with no or partial tokens / blocked. */
function randomOutcome(): Partial<UsagePayload> {
  const input = randomInt(0, 4_000);
  const output = randomInt(0, 2_000);
  const kind = randomInt(0, 6);
  const tokens = (i: number, o: number): Partial<UsagePayload> => ({
    input_tokens: i,
    output_tokens: o,
    total_tokens: i + o,
  });
  switch (kind) {
    case 0:
      return { ...tokens(input, output), status: 'ok', streamed: false };
    case 1:
      return {
        ...tokens(input, output),
        status: 'ok',
        streamed: true,
        usage_estimated: randomInt(0, 2) === 0,
      };
    case 2:
      return {
        ...tokens(input, randomInt(0, output + 1)),
        status: 'cancelled',
        streamed: true,
        http_status: 499,
        usage_estimated: true,
      };
    case 3:
      return { ...tokens(0, 0), status: 'error', http_status: 502, error_code: 'upstream_error' };
    case 4:
      return {
        ...tokens(input, randomInt(0, 50)),
        status: 'error',
        streamed: true,
        http_status: 200,
        error_code: 'upstream_stream_broken',
      };
    default:
      return { ...tokens(0, 0), status: 'blocked', http_status: 400, error_code: 'policy_blocked' };
  }
}

function sums(events: readonly UsageEvent[], priceOf: (e: UsageEvent) => number) {
  return events.reduce(
    (acc, e) => ({
      requests: acc.requests + 1,
      input: acc.input + e.payload.input_tokens,
      output: acc.output + e.payload.output_tokens,
      total: acc.total + e.payload.total_tokens,
      cost: acc.cost + costMicros(e.payload.total_tokens, priceOf(e)),
    }),
    { requests: 0, input: 0, output: 0, total: 0, cost: 0 },
  );
}

function numbers(row: Record<string, string | number>): Record<string, number> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}
