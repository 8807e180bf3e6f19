// Overload by plan: free, team and enterprise traffic offered at fixed rates to a slow provider with bounded
// concurrency, through two gateways side by side in the same run (load shedding on / off), alternating
// (on, off, on, off ...) so both see the same machine. Prints success rate and p99 latency per plan while
// the overload lasts. Never part of the test verdict.
//   node scripts/build.mjs && node bench/plans/plans-bench.mjs [--duration 8] [--reps 3]
// Needs the Kafka broker (scripts/kafka/kafka.sh start, done here).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  fmt,
  fromDist,
  median,
  percentile,
  publishProjectAndKey,
  range,
  root,
  sleep,
  start,
  table,
  waitUntil,
} from '../support/bench-kit.mjs';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    // Requests sent in the first seconds (connections opening, pressure building up) are not counted.
    warmup: { type: 'string', default: '1' },
    reps: { type: 'string', default: '3' },
    // Offered load, requests per second per plan.
    free: { type: 'string', default: '300' },
    team: { type: 'string', default: '50' },
    enterprise: { type: 'string', default: '10' },
    'upstream-concurrency': { type: 'string', default: '40' },
    'upstream-delay-ms': { type: 'string', default: '200' },
  },
});
const DURATION_MS = Number(args.duration) * 1000;
const WARMUP_MS = Number(args.warmup) * 1000;
const REPS = Number(args.reps);
const RATES = { free: Number(args.free), team: Number(args.team), enterprise: Number(args.enterprise) };
const PLANS = Object.keys(RATES);
const UPSTREAM_CONCURRENCY = Number(args['upstream-concurrency']);
const UPSTREAM_DELAY_MS = Number(args['upstream-delay-ms']);
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Plan my week.' }] });

/** One project per plan, with limits far above the offered load (only shedding may turn requests away). */
async function seedState() {
  const { KafkaEventBus } = fromDist('libs/messaging/src/index.js');
  const contracts = fromDist('libs/contracts/src/index.js');
  const run = Date.now().toString(36);
  const bus = new KafkaEventBus({
    brokers: KAFKA_BROKERS.split(','),
    clientId: `plans-bench-${run}`,
    logger: () => undefined,
  });
  const keys = {};
  for (const plan of PLANS) {
    keys[plan] = await publishProjectAndKey(bus, contracts, {
      projectId: `pplans${plan}${run}`,
      keyId: `kplans${plan.slice(0, 4)}${run}`,
      secret: `s${plan}${run}`.padEnd(32, 'x'),
      name: `bench ${plan}`,
      plan,
      budgetMicros: null,
    });
  }
  await bus.close();
  return keys;
}

async function startGateway(name, port, mockUrl, shedding) {
  const child = start(name, process.execPath, [join(root, 'dist/apps/gateway/src/main.js')], {
    PORT: String(port),
    METRICS_PORT: String(port + 1000),
    HOST: '127.0.0.1',
    KAFKA_BROKERS,
    UPSTREAM_BASE_URL: mockUrl,
    UPSTREAM_API_KEY: 'bench',
    SPILL_DIR: mkdtempSync(join(tmpdir(), 'pgw-plans-spill-')),
    INSTANCE_ID: `plans-bench-${name}`,
    SHED_ENABLED: shedding ? 'true' : 'false',
    // Set to the provider's concurrency: beyond it the provider would answer 429 to anyone.
    SHED_MAX_IN_FLIGHT_PER_UPSTREAM: String(UPSTREAM_CONCURRENCY),
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200, `${name} ready`);
  return { name, base, metrics: `http://127.0.0.1:${port + 1000}/metrics`, pid: child.pid };
}

/** pgw_gateway_shed_total by plan|reason, from the gateway's /metrics (warm-up included). */
async function shedCounts(target) {
  const text = await (await fetch(target.metrics)).text();
  const counts = {};
  for (const match of text.matchAll(/^pgw_gateway_shed_total\{plan="(\w+)",reason="(\w+)"\} (\d+)$/gm)) {
    counts[`${match[1]}|${match[2]}`] = Number(match[3]);
  }
  return counts;
}

/**
 * Open-loop load: each plan's requests are sent at its fixed rate (evenly spaced, whatever the answers),
 * so a shed or slow answer does not slow the offered load down. Latency: send to end of body.
 */
async function overload(target, keys) {
  const pool = new Pool(target.base, { connections: 4096, pipelining: 1, keepAliveTimeout: 10_000 });
  const stats = Object.fromEntries(
    PLANS.map((plan) => [plan, { sent: 0, ok: 0, overloaded: 0, upstream429: 0, other: 0, times: [] }]),
  );
  const inFlight = new Set();
  const ignored = { sent: 0, ok: 0, overloaded: 0, upstream429: 0, other: 0, times: [] };
  const send = (plan, measured) => {
    const s = measured ? stats[plan] : ignored;
    s.sent++;
    const t0 = performance.now();
    const done = pool
      .request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[plan]}` },
        body: BODY,
      })
      .then(async ({ statusCode, body }) => {
        const text = await body.text();
        if (statusCode === 200) {
          s.ok++;
          s.times.push(performance.now() - t0);
        } else if (statusCode === 429 && text.includes('"overloaded"')) s.overloaded++;
        else if (statusCode === 429) s.upstream429++;
        else s.other++;
      })
      .catch(() => s.other++)
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const started = performance.now();
  const sentBy = Object.fromEntries(PLANS.map((p) => [p, 0]));
  while (performance.now() - started < DURATION_MS) {
    const elapsed = (performance.now() - started) / 1000;
    for (const plan of PLANS) {
      const due = Math.floor(elapsed * RATES[plan]);
      while (sentBy[plan] < due) {
        sentBy[plan]++;
        send(plan, elapsed * 1000 >= WARMUP_MS);
      }
    }
    await sleep(2);
  }
  await Promise.all(inFlight);
  await pool.close();
  for (const plan of PLANS) stats[plan].times.sort((a, b) => a - b);
  return stats;
}

async function main() {
  execFileSync('bash', [join(root, 'scripts/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
  const mock = start('mock', process.execPath, [join(root, 'bench/plans/serve-bounded-mock.mjs')], {
    MOCK_MAX_CONCURRENT: String(UPSTREAM_CONCURRENCY),
    MOCK_DELAY_MS: String(UPSTREAM_DELAY_MS),
  });
  const mockUrl = await new Promise((resolveUrl, reject) => {
    mock.stdout.once('data', (d) => resolveUrl(String(d).trim()));
    mock.once('exit', (code) => reject(new Error(`mock upstream exited (${code})`)));
  });
  const keys = await seedState();
  const targets = [
    await startGateway('shedding-on', 18181, mockUrl, true),
    await startGateway('shedding-off', 18182, mockUrl, false),
  ];
  for (const target of targets) {
    for (const plan of PLANS) {
      await waitUntil(
        async () =>
          (
            await fetch(`${target.base}/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[plan]}` },
              body: BODY,
            })
          ).status === 200,
        `${target.name} serving the ${plan} key`,
      );
    }
  }
  const capacity = (UPSTREAM_CONCURRENCY * 1000) / UPSTREAM_DELAY_MS;
  const offered = PLANS.reduce((sum, plan) => sum + RATES[plan], 0);
  console.log(
    `provider: ${UPSTREAM_CONCURRENCY} in flight × ${UPSTREAM_DELAY_MS} ms = ${fmt(capacity, 0)} req/s; offered ${offered} req/s ` +
      `(${PLANS.map((p) => `${p} ${RATES[p]}`).join(', ')}), ${args.duration} s per run (first ${args.warmup} s not counted), ${REPS} reps alternating on/off`,
  );
  console.log(`load before: ${execFileSync('uptime').toString().trim()}`);
  const results = new Map(targets.map((t) => [t.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const target of rep % 2 === 0 ? targets : [...targets].reverse()) {
      const before = await shedCounts(target);
      const stats = await overload(target, keys);
      const after = await shedCounts(target);
      for (const plan of PLANS) {
        stats[plan].shedCapacity = (after[`${plan}|capacity`] ?? 0) - (before[`${plan}|capacity`] ?? 0);
        stats[plan].shedPressure = (after[`${plan}|pressure`] ?? 0) - (before[`${plan}|pressure`] ?? 0);
      }
      results.get(target.name).push(stats);
      process.stdout.write(
        `  rep ${rep + 1} ${target.name}: ${PLANS.map((p) => `${p} ${stats[p].ok}/${stats[p].sent}`).join(', ')}\n`,
      );
    }
  }
  console.log(`load after: ${execFileSync('uptime').toString().trim()}`);
  const rows = [];
  for (const plan of PLANS) {
    for (const target of targets) {
      const runs = results.get(target.name).map((stats) => stats[plan]);
      const success = runs.map((s) => (100 * s.ok) / s.sent);
      const p99 = runs.map((s) => percentile(s.times, 99));
      const p50 = runs.map((s) => percentile(s.times, 50));
      rows.push([
        plan,
        target.name,
        fmt(median(runs.map((s) => s.sent)), 0),
        `${fmt(median(success), 1)}%${range(success, 1)}`,
        `${fmt(median(p50), 0)}${range(p50, 0)}`,
        `${fmt(median(p99), 0)}${range(p99, 0)}`,
        fmt(median(runs.map((s) => s.overloaded)), 0),
        `${fmt(median(runs.map((s) => s.shedCapacity)), 0)} / ${fmt(median(runs.map((s) => s.shedPressure)), 0)}`,
        fmt(median(runs.map((s) => s.upstream429)), 0),
        fmt(median(runs.map((s) => s.other)), 0),
      ]);
    }
  }
  table(
    `Overload by plan: median of ${REPS} runs (min–max); latency of successful requests, ms`,
    [
      'plan',
      'gateway',
      'sent',
      'success',
      'p50 ms',
      'p99 ms',
      '429 overloaded',
      'shed capacity / pressure',
      '429 upstream',
      'other',
    ],
    rows,
  );
}

main()
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
