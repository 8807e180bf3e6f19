// Gateway benchmark: the mock upstream directly, our gateway (full hot path) and Portkey OSS 1.15.2, side
// by side and interleaved (A B C A B C ...) so ratios hold while the shared machine's speed drifts.
//   npm run build && npm install --prefix bench/gateway && node bench/gateway/gateway-bench.mjs [--duration 5] [--reps 1]
// Prints tables; never part of the test verdict. Needs the Kafka broker (started by scripts/kafka/kafka.sh).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { request as undiciRequest, Agent, Pool } from 'undici';
import {
  fmt,
  fromDist,
  median,
  percentile,
  pinProcesses,
  publishProjectAndKey,
  range,
  root,
  start,
  stopAll,
  table,
  waitUntil,
} from '../support/bench-kit.mjs';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    reps: { type: 'string', default: '1' },
    conns: { type: 'string', default: '16,64' },
    'ttfb-requests': { type: 'string', default: '300' },
    'no-portkey': { type: 'boolean', default: false },
    // Another build's dist/ (e.g. from `git worktree add`): its gateway runs beside ours, interleaved.
    baseline: { type: 'string' },
    pin: { type: 'boolean', default: false },
    // Skip the max-load phase and run only the half-load comparison at this rate (req/s).
    'half-rate': { type: 'string' },
  },
});
const DURATION = Number(args.duration);
const REPS = Number(args.reps);
const CONNS = args.conns.split(',').map(Number);
const TTFB_REQUESTS = Number(args['ttfb-requests']);
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const GATEWAY_PORT = Number(process.env.BENCH_GATEWAY_PORT ?? 18080);
const PORTKEY_PORT = 8787;
const MODEL = 'gpt-4o-mini';
const PROMPT =
  'You are helping a small bakery plan its week. The oven runs from six in the morning until two in the ' +
  'afternoon, and the team wants to bake sourdough, rye and a few seasonal pastries. Suggest a schedule ' +
  'that keeps the oven busy, leaves time for cleaning, and explains which loaves should rest overnight. ' +
  'Keep the answer short, use plain language, and list the steps in order so a new apprentice can follow ' +
  'them without asking questions. Mention how to adjust if the flour delivery is late on Wednesday.';

/** CPU time (user + system) a process used so far, in ms (clock ticks are 10 ms on Linux). */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function rssMb(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
  } catch {
    return NaN;
  }
}

/** Deterministic pseudo-words for the 1,000-term denylist (none occurs in the prompt or the reply). */
function denylistTerms(count) {
  let seed = 0x2545f491;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
  const letters = 'bcdfghjklmnpqrstvwxz';
  const terms = new Set();
  while (terms.size < count) {
    let word = '';
    const length = 7 + Math.floor(next() * 6);
    for (let i = 0; i < length; i++) word += letters[Math.floor(next() * letters.length)];
    terms.add(word);
  }
  return [...terms];
}

/** Every built-in detector (PII and secrets redact, injection signals flag) + a 1,000-term denylist, input and output. */
function benchPolicyConfig(engine) {
  return {
    version: 1,
    name: 'bench',
    rules: [
      ...engine.BUILTIN_CATEGORIES.map((category, i) => ({
        id: `detector-${i}`,
        category,
        target: 'both',
        action: category.startsWith('injection.') ? 'flag' : 'redact',
      })),
      {
        id: 'deny',
        category: 'denylist.bench',
        target: 'both',
        action: 'block',
        terms: denylistTerms(1_000),
      },
    ],
  };
}

async function seedState() {
  const { KafkaEventBus } = fromDist('libs/messaging/src/index.js');
  const contracts = fromDist('libs/contracts/src/index.js');
  const engine = fromDist('libs/policy-engine/src/index.js'); // DETECTOR_CATEGORIES: the engine's own list
  const run = Date.now().toString(36);
  const projectId = `pbench${run}`;
  const keyId = `kbench${run}`;
  const secret = `s${run}`.padEnd(32, 'x');
  const bus = new KafkaEventBus({
    brokers: KAFKA_BROKERS.split(','),
    clientId: `bench-seed-${run}`,
    logger: () => undefined,
  });
  const now = new Date().toISOString();
  const key = await publishProjectAndKey(bus, contracts, {
    projectId,
    keyId,
    secret,
    name: 'bench',
    plan: 'enterprise',
    budgetMicros: 1_000_000_000_000_000,
  });
  await bus.publishAndWait(contracts.TOPICS.policyState, [
    {
      key: projectId,
      value: JSON.stringify({
        project_id: projectId,
        policy_id: `polbench${run}`,
        revision: 1,
        rollout_mode: 'enforce',
        canary_percent: 100,
        config: benchPolicyConfig(engine),
        activated_at: now,
      }),
    },
  ]);
  await bus.close();
  return key;
}

function body(stream) {
  return JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: PROMPT }],
    ...(stream ? { stream: true } : {}),
  });
}

async function load(target, { connections, stream, duration = DURATION, rate, sampleRss }) {
  const times = [];
  let peakRss = 0;
  const sampler = sampleRss ? setInterval(() => (peakRss = Math.max(peakRss, rssMb(sampleRss))), 200) : null;
  const cpuBefore = sampleRss ? cpuMs(sampleRss) : NaN;
  const instance = autocannon({
    url: `${target.base}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body(stream),
    connections,
    duration,
    ...(rate ? { overallRate: rate } : {}),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) times.push(responseTime);
  });
  const result = await new Promise((resolve, reject) => {
    instance.on('done', resolve);
    instance.on('error', reject);
  });
  if (sampler) clearInterval(sampler);
  const cpuUsed = sampleRss ? cpuMs(sampleRss) - cpuBefore : NaN;
  times.sort((a, b) => a - b);
  return {
    rps: result.requests.average,
    ok: times.length,
    errors: result.errors + result.non2xx + result.timeouts,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    rss: sampleRss ? Math.max(peakRss, rssMb(sampleRss)) : NaN,
    /** CPU µs the target spent per completed request: robust to a noisy machine, unlike req/s. */
    cpuPerRequest:
      sampleRss && times.length ? (cpuUsed * 1000) / (result.requests.total || times.length) : NaN,
  };
}

/**
 * Open-loop load at a fixed rate with evenly spaced arrivals (one request every 1/rate s, whatever the
 * responses do), over a keep-alive pool of `connections`. autocannon's overallRate is not used for this:
 * it lets each connection send its per-second quota back to back and then idle until the next second, so
 * "half load" is really full load for half of every second and the queueing shows up as added latency.
 * Latency is measured from the moment each request is handed to the pool to the end of its body.
 */
async function paced(target, { rate, connections, stream, duration = DURATION, sampleRss }) {
  const pool = new Pool(target.base, { connections, pipelining: 1, keepAliveTimeout: 10_000 });
  const options = {
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body(stream),
  };
  const times = [];
  let errors = 0;
  let peakRss = 0;
  const sampler = sampleRss ? setInterval(() => (peakRss = Math.max(peakRss, rssMb(sampleRss))), 200) : null;
  const fire = () => {
    const started = performance.now();
    return pool.request(options).then(
      async (response) => {
        await response.body.text();
        if (response.statusCode === 200) times.push(performance.now() - started);
        else errors++;
      },
      () => errors++,
    );
  };
  const interval = 1000 / rate;
  const t0 = performance.now();
  const end = t0 + duration * 1000;
  const inFlight = [];
  let sent = 0;
  await new Promise((resolveDone) => {
    const tick = () => {
      const now = performance.now();
      if (now >= end) return resolveDone();
      const due = Math.floor((now - t0) / interval) + 1;
      while (sent < due) {
        sent++;
        inFlight.push(fire());
      }
      setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  if (sampler) clearInterval(sampler);
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    rps: times.length / duration,
    ok: times.length,
    errors,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    rss: sampleRss ? Math.max(peakRss, rssMb(sampleRss)) : NaN,
  };
}

/**
 * The paced load of `paced()` from paced-load.c, compiled here with the system's C compiler: a client that
 * costs microseconds per request and allocates nothing, so its own pauses do not release bursts of due
 * requests at the target (the Node client's did: 4-12 ms p99 against a 34 µs mock). Null without a compiler.
 */
const pacedClientBinary = (() => {
  const binary = join(mkdtempSync(join(tmpdir(), 'pgw-paced-load-')), 'paced-load');
  try {
    execFileSync('cc', ['-O2', '-o', binary, join(root, 'bench/gateway/paced-load.c')], { stdio: 'pipe' });
    return binary;
  } catch {
    process.stderr.write('no C compiler: the half-load phase uses the Node (undici) paced client\n');
    return null;
  }
})();

async function pacedNative(target, { rate, connections, stream, duration = DURATION, sampleRss }) {
  const url = new URL(target.base);
  const payload = body(stream);
  const head = [
    `POST /v1/chat/completions HTTP/1.1`,
    `host: ${url.host}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(payload)}`,
    ...Object.entries(target.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const requestFile = join(mkdtempSync(join(tmpdir(), 'pgw-paced-request-')), 'request.http');
  writeFileSync(requestFile, `${head.join('\r\n')}\r\n\r\n${payload}`);
  let peakRss = 0;
  const sampler = sampleRss ? setInterval(() => (peakRss = Math.max(peakRss, rssMb(sampleRss))), 200) : null;
  const output = await new Promise((resolveOutput, reject) =>
    execFile(
      pacedClientBinary,
      [url.hostname, url.port, String(rate), String(duration), String(connections), requestFile],
      (error, stdout) => (error ? reject(error) : resolveOutput(stdout)),
    ),
  );
  if (sampler) clearInterval(sampler);
  const result = JSON.parse(output);
  return {
    rps: result.ok / duration,
    ok: result.ok,
    errors: result.errors,
    p50: result.p50,
    p99: result.p99,
    rss: sampleRss ? Math.max(peakRss, rssMb(sampleRss)) : NaN,
  };
}

/**
 * What one proxy hop costs on this machine at best, for the half-load table: nginx (when installed, e.g.
 * `apt-get install nginx-light`) and a do-nothing Node proxy (null-proxy.mjs), both in front of the mock.
 */
async function startHopReferences(mockUrl) {
  const references = [];
  const nodePort = GATEWAY_PORT + 10;
  const nodeProxy = start('null node proxy', process.execPath, [
    join(root, 'bench/gateway/null-proxy.mjs'),
    mockUrl,
    String(nodePort),
  ]);
  await new Promise((resolveUp) => nodeProxy.stdout.once('data', resolveUp));
  references.push({
    name: 'node null proxy',
    base: `http://127.0.0.1:${nodePort}`,
    headers: {},
    reference: true,
  });

  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (nginx) {
    const prefix = mkdtempSync(join(tmpdir(), 'pgw-bench-nginx-'));
    const nginxPort = GATEWAY_PORT + 11;
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `worker_processes 1;
error_log /dev/null crit;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream mock { server ${new URL(mockUrl).host}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
`,
    );
    start('nginx', nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;']);
    const base = `http://127.0.0.1:${nginxPort}`;
    await waitUntil(async () => (await fetch(`${base}/v1/models`)).status < 500, 'nginx up');
    references.push({ name: 'nginx 1 worker', base, headers: {}, reference: true });
  } else {
    process.stderr.write('nginx not installed: the half-load table has no nginx row\n');
  }
  return references;
}

/** Sequential streamed requests: time to the first body byte (the first SSE event). */
async function ttfb(target, count) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 1 });
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const response = await undiciRequest(`${target.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: body(true),
      dispatcher,
    });
    let first = true;
    response.body.on('data', () => {
      if (first) times.push(Number(process.hrtime.bigint() - started) / 1e6);
      first = false;
    });
    await new Promise((resolveEnd) => response.body.on('end', resolveEnd));
  }
  await dispatcher.close();
  return times.sort((a, b) => a - b);
}

/** Closed-loop max load per target, interleaved, and its table. */
async function maxLoad(targets, results) {
  for (const stream of [false, true]) {
    for (const connections of CONNS) {
      for (let rep = 0; rep < REPS; rep++) {
        for (const target of targets) {
          const key = `${stream}|${connections}|${target.name}`;
          const run = await load(target, { connections, stream, sampleRss: target.pid });
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(run);
          process.stderr.write(
            `  ${stream ? 'stream' : 'json  '} c=${connections} ${target.name}: ${fmt(run.rps, 0)} req/s\n`,
          );
        }
      }
    }
  }

  const rows = [];
  for (const stream of [false, true]) {
    for (const connections of CONNS) {
      const direct = results.get(`${stream}|${connections}|direct (mock)`);
      for (const target of targets) {
        const runs = results.get(`${stream}|${connections}|${target.name}`);
        const rps = median(runs.map((r) => r.rps));
        const portkey = results.get(`${stream}|${connections}|portkey 1.15.2`);
        rows.push([
          stream ? 'stream (whole)' : 'non-stream',
          connections,
          target.name,
          `${fmt(rps, 0)}${range(runs.map((r) => r.rps))}`,
          fmt(median(runs.map((r) => r.p50))),
          fmt(median(runs.map((r) => r.p99))),
          target.name === 'direct (mock)'
            ? ''
            : fmt(median(runs.map((r) => r.p50)) - median(direct.map((r) => r.p50))),
          portkey && target.name === 'policy gateway'
            ? `${fmt(rps / median(portkey.map((r) => r.rps)), 1)}×`
            : '',
          runs.reduce((n, r) => n + r.errors, 0),
          fmt(median(runs.map((r) => r.cpuPerRequest)), 0),
          Math.max(...runs.map((r) => r.rss)),
        ]);
      }
    }
  }
  table(
    `Max load, ${DURATION} s per run, ${REPS} rep(s), medians (min–max)`,
    [
      'mode',
      'conns',
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'p50 over direct',
      'vs portkey',
      'errors',
      'CPU µs/req',
      'peak RSS MB',
    ],
    rows,
  );
}

async function main() {
  execFileSync('bash', [join(root, 'scripts/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
  if (args.pin) process.env.BENCH_PIN = '1';
  pinProcesses();
  const mock = start('mock', process.execPath, [
    join(root, 'dist/libs/testing/src/mock-upstream/serve-mock-upstream.js'),
  ]);
  const mockUrl = await new Promise((resolveUrl, reject) => {
    mock.stdout.once('data', (d) => resolveUrl(String(d).trim()));
    mock.once('exit', (code) => reject(new Error(`mock upstream exited (${code})`)));
  });
  const mockBase = mockUrl.replace(/\/v1$/, '');

  const apiKey = await seedState();
  // The node flags documented in apps/gateway/src/main.ts: a small young generation and a slower-growing
  // old generation keep RSS down at the cost of more (cheap) collections.
  const flags = (value) => value.split(' ').filter(Boolean);
  const gatewayFlags = flags(
    process.env.BENCH_GATEWAY_NODE_FLAGS ?? '--max-semi-space-size=4 --heap-growing-percent=30',
  );
  // The baseline may differ in flags only (--baseline dist with BENCH_BASELINE_NODE_FLAGS).
  const baselineFlags = flags(process.env.BENCH_BASELINE_NODE_FLAGS ?? gatewayFlags.join(' '));
  const gatewayHeaders = { authorization: `Bearer ${apiKey}` };
  const startGateway = async (name, distDir, port, nodeFlags = gatewayFlags, extraEnv = {}) => {
    const child = start(name, process.execPath, [...nodeFlags, join(distDir, 'apps/gateway/src/main.js')], {
      PORT: String(port),
      METRICS_PORT: String(port + 1000),
      HOST: '127.0.0.1',
      KAFKA_BROKERS,
      UPSTREAM_BASE_URL: mockUrl,
      UPSTREAM_API_KEY: 'bench',
      // As the image runs it (docker/Dockerfile); BENCH_MALLOC_ARENA_MAX='' leaves glibc's default.
      ...(process.env.BENCH_MALLOC_ARENA_MAX !== ''
        ? { MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX ?? '2' }
        : {}),
      SPILL_DIR: mkdtempSync(join(tmpdir(), 'pgw-bench-spill-')),
      INSTANCE_ID: `bench-${name.replace(/\W+/g, '-')}`,
      ...extraEnv,
    });
    const base = `http://127.0.0.1:${port}`;
    const exited = new Promise((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}): is port ${port} taken?`))),
    );
    const serving = async () => {
      await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200, `${name} ready`);
      await waitUntil(
        async () =>
          (
            await fetch(`${base}/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...gatewayHeaders },
              body: body(false),
            })
          ).status === 200,
        `${name} serving the bench key`,
      );
    };
    await Promise.race([serving(), exited]);
    return { name, base, headers: gatewayHeaders, pid: child.pid, gateway: true };
  };

  const gatewayTarget = await startGateway('policy gateway', join(root, 'dist'), GATEWAY_PORT);
  const targets = [{ name: 'direct (mock)', base: mockBase, headers: {}, pid: mock.pid }, gatewayTarget];
  if (args.baseline) {
    // e.g. BENCH_BASELINE_ENV='KAFKA_WORKER_THREAD=true' with --baseline dist: one build, two configurations.
    const baselineEnv = Object.fromEntries(
      (process.env.BENCH_BASELINE_ENV ?? '')
        .split(' ')
        .filter(Boolean)
        .map((pair) => pair.split('=')),
    );
    targets.push(
      await startGateway('baseline gateway', args.baseline, GATEWAY_PORT + 1, baselineFlags, baselineEnv),
    );
  }
  if (!args['no-portkey']) {
    const portkeyMain = join(root, 'bench/gateway/node_modules/@portkey-ai/gateway/build/start-server.js');
    const portkey = start('portkey', process.execPath, [portkeyMain]);
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${PORTKEY_PORT}/`)).status < 500,
      'portkey up',
    );
    targets.push({
      name: 'portkey 1.15.2',
      base: `http://127.0.0.1:${PORTKEY_PORT}`,
      headers: {
        authorization: 'Bearer bench',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': mockUrl,
      },
      pid: portkey.pid,
    });
  }

  // Warm up (JIT, pools, Kafka producer).
  for (const target of targets) {
    await load(target, { connections: 16, stream: false, duration: 1 });
    await load(target, { connections: 16, stream: true, duration: 1 });
  }

  const results = new Map(); // `${stream}|${conns}|${name}` -> runs[]
  const halfRate = args['half-rate'] ? Number(args['half-rate']) : null;
  if (halfRate === null) await maxLoad(targets, results);

  // Added latency at half of the gateway's max load (16 connections, non-streamed), interleaved: evenly
  // paced arrivals (the figure the target is about), and autocannon's overallRate for reference.
  const rate =
    halfRate ??
    Math.max(100, Math.floor(median(results.get(`false|${CONNS[0]}|policy gateway`).map((r) => r.rps)) / 2));
  const references = await startHopReferences(mockUrl);
  for (const reference of references) await load(reference, { connections: 16, stream: false, duration: 1 }); // JIT
  const halfTargets = [
    ...targets.filter((t) => t.name === 'direct (mock)'),
    ...references,
    ...targets.filter((t) => t.gateway),
  ];
  const half = { paced: new Map(), bursts: new Map() };
  for (const t of halfTargets) for (const runs of [half.paced, half.bursts]) runs.set(t.name, []);
  for (let rep = 0; rep < REPS; rep++) {
    for (const t of halfTargets) {
      const sampleRss = t.gateway ? t.pid : undefined;
      const pacedLoad = pacedClientBinary ? pacedNative : paced;
      half.paced
        .get(t.name)
        .push(await pacedLoad(t, { connections: CONNS[0], stream: false, rate, sampleRss }));
    }
    for (const t of halfTargets) {
      half.bursts.get(t.name).push(await load(t, { connections: CONNS[0], stream: false, rate }));
    }
  }
  const p = (runs, key) => median(runs.map((r) => r[key]));
  const halfRows = (label, byTarget) => {
    const direct = byTarget.get('direct (mock)');
    return halfTargets.map((t) => {
      const runs = byTarget.get(t.name);
      return [
        `${t.name}, ${label}`,
        fmt(p(runs, 'rps'), 0),
        fmt(p(runs, 'p50'), 3),
        fmt(p(runs, 'p99'), 3),
        t === halfTargets[0] ? '' : fmt(p(runs, 'p50') - p(direct, 'p50'), 3),
        t === halfTargets[0] ? '' : fmt(p(runs, 'p99') - p(direct, 'p99'), 3),
      ];
    });
  };
  table(
    `Added latency at half of the gateway's max load (${rate} req/s, ${CONNS[0]} conns, non-streamed)`,
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms'],
    [
      ...halfRows(pacedClientBinary ? 'paced (C client)' : 'paced (node client)', half.paced),
      ...halfRows('autocannon bursts', half.bursts),
    ],
  );

  // Streaming time to first byte, sequential, interleaved in blocks; the hop references stream too.
  const ttfbTargets = [targets[0], ...references, ...targets.slice(1)];
  const ttfbs = new Map(ttfbTargets.map((t) => [t.name, []]));
  const block = 50;
  for (let done = 0; done < TTFB_REQUESTS; done += block) {
    for (const target of ttfbTargets) ttfbs.get(target.name).push(...(await ttfb(target, block)));
  }
  const directTtfb = median(ttfbs.get('direct (mock)'));
  table(
    `Streaming time to first byte, ${TTFB_REQUESTS} sequential requests each`,
    ['target', 'median ms', 'p99 ms', 'over direct ms'],
    ttfbTargets.map((t) => {
      const sorted = ttfbs.get(t.name).sort((a, b) => a - b);
      return [
        t.name,
        fmt(median(sorted), 3),
        fmt(percentile(sorted, 99), 3),
        t.name === 'direct (mock)' ? '' : fmt(median(sorted) - directTtfb, 3),
      ];
    }),
  );

  const metrics = await (await fetch(`http://127.0.0.1:${GATEWAY_PORT + 1000}/metrics`)).text();
  const spill = metrics.match(/^pgw_gateway_event_spill_depth (\d+)/m)?.[1];
  console.log(
    `\nGateway RSS now ${rssMb(gatewayTarget.pid)} MB; event spill depth ${spill}; Kafka connected: ${/^pgw_gateway_kafka_connected 1/m.test(metrics)}`,
  );
  stopAll();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  stopAll();
  process.exit(1);
});
