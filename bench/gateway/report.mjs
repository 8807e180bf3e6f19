// The result tables (medians over reps, compared with the mock called directly) and the gateway's state.
import { fmt, median, percentile, range, table } from '../support/bench-kit.mjs';
import { CONNS, DURATION, GATEWAY_PORT, REPS, TTFB_REQUESTS } from './bench-config.mjs';
import { pacedClientBinary } from './load-clients.mjs';
import { rssMb } from './process-stats.mjs';

export function printMaxLoad(targets, results) {
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

/** `halfTargets[0]` is the mock called directly: the other rows' added latency is over it. */
export function printHalfLoad(halfTargets, half, rate) {
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
}

export function printTtfb(ttfbTargets, ttfbs) {
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
}

/** After the load: the gateway's RSS, its event spill depth and whether Kafka stayed connected. */
export async function printGatewayState(gatewayPid) {
  const metrics = await (await fetch(`http://127.0.0.1:${GATEWAY_PORT + 1000}/metrics`)).text();
  const spill = metrics.match(/^pgw_gateway_event_spill_depth (\d+)/m)?.[1];
  console.log(
    `\nGateway RSS now ${rssMb(gatewayPid)} MB; event spill depth ${spill}; Kafka connected: ${/^pgw_gateway_kafka_connected 1/m.test(metrics)}`,
  );
}

/** The Responses rows (POST /v1/responses), beside the chat completions table. */
export function printResponsesLoad(targets, results) {
  const rows = [];
  for (const stream of [false, true]) {
    const direct = results.get(`${stream}|direct (mock)`);
    for (const target of targets) {
      const runs = results.get(`${stream}|${target.name}`);
      rows.push([
        stream ? 'responses stream (whole)' : 'responses non-stream',
        CONNS[0],
        target.name,
        `${fmt(median(runs.map((r) => r.rps)), 0)}${range(runs.map((r) => r.rps))}`,
        fmt(median(runs.map((r) => r.p50))),
        fmt(median(runs.map((r) => r.p99))),
        target.name === 'direct (mock)'
          ? ''
          : fmt(median(runs.map((r) => r.p50)) - median(direct.map((r) => r.p50))),
        runs.reduce((n, r) => n + r.errors, 0),
        fmt(median(runs.map((r) => r.cpuPerRequest)), 0),
        Math.max(...runs.map((r) => r.rss)),
      ]);
    }
  }
  table(
    `Responses API (POST /v1/responses), ${DURATION} s per run, ${REPS} rep(s), medians (min–max)`,
    [
      'mode',
      'conns',
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'p50 over direct',
      'errors',
      'CPU µs/req',
      'peak RSS MB',
    ],
    rows,
  );
}
