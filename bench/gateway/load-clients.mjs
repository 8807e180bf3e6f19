// The load clients: autocannon (closed loop, or its bursty overallRate), evenly paced open-loop arrivals
// (a C client, or a Node one without a C compiler), and sequential streamed requests for time to first byte.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { request as undiciRequest, Agent, Pool } from 'undici';
import { percentile, root } from '../support/bench-kit.mjs';
import { DURATION, requestBody } from './bench-config.mjs';
import { cpuMs, rssMb } from './process-stats.mjs';

export async function autocannonLoad(
  target,
  { connections, stream, duration = DURATION, rate, sampleRss, path = '/v1/chat/completions', body },
) {
  const times = [];
  let peakRss = 0;
  const sampler = sampleRss ? setInterval(() => (peakRss = Math.max(peakRss, rssMb(sampleRss))), 200) : null;
  const cpuBefore = sampleRss ? cpuMs(sampleRss) : NaN;
  const instance = autocannon({
    url: `${target.base}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body ?? requestBody(stream),
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
export async function pacedNodeLoad(target, { rate, connections, stream, duration = DURATION, sampleRss }) {
  const pool = new Pool(target.base, { connections, pipelining: 1, keepAliveTimeout: 10_000 });
  const options = {
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: requestBody(stream),
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
 * The paced load of `pacedNodeLoad()` from paced-load.c, compiled here with the system's C compiler: a client that
 * costs microseconds per request and allocates nothing, so its own pauses do not release bursts of due
 * requests at the target (the Node client's did: 4-12 ms p99 against a 34 µs mock). Null without a compiler.
 */
export const pacedClientBinary = (() => {
  const binary = join(mkdtempSync(join(tmpdir(), 'pgw-paced-load-')), 'paced-load');
  try {
    execFileSync('cc', ['-O2', '-o', binary, join(root, 'bench/gateway/paced-load.c')], { stdio: 'pipe' });
    return binary;
  } catch {
    process.stderr.write('no C compiler: the half-load phase uses the Node (undici) paced client\n');
    return null;
  }
})();

export async function pacedNativeLoad(target, { rate, connections, stream, duration = DURATION, sampleRss }) {
  const url = new URL(target.base);
  const payload = requestBody(stream);
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

/** Sequential streamed requests: time to the first body byte (the first SSE event). */
export async function streamTtfb(target, count) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 1 });
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const response = await undiciRequest(`${target.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: requestBody(true),
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
