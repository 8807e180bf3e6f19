// The gateway's local event log (libs/messaging WriteAheadLog) on its own: what an append costs the
// request thread, without and with interval fsync. Runs the built code (npm run build first).
//   node bench/event-log/event-log-bench.mjs [--events 200000] [--paced-seconds 5] [--rate 3000]
// Two figures per configuration:
// - CPU µs per append in a tight loop (process.cpuUsage; robust on a loaded machine);
// - wall time of single appends at a paced rate (one append per event, as publish() does), p50/p99/max:
//   an append that waits for an fsync in progress shows up here.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const root = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const { WriteAheadLog } = require(join(root, 'dist/libs/messaging/src/kafka/write-ahead-log.js'));

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'paced-seconds': { type: 'string', default: '5' },
    rate: { type: 'string', default: '3000' },
    dir: { type: 'string' }, // where the log goes (default: the OS temp dir)
  },
});
const EVENTS = Number(args.events);
const PACED_MS = Number(args['paced-seconds']) * 1000;
const RATE = Number(args.rate);
const BASE_DIR = args.dir ?? tmpdir();

// A decision event as the gateway writes it (same shape and size as GatewayEvents' encoder output).
const event = (i) =>
  `{"event_id":"0193a0c2-${String(i).padStart(4, '0').slice(-4)}-7000-8000-000000000000","type":"policy.decision",` +
  `"schema_version":1,"occurred_at":"2026-12-07T19:00:00.000Z","project_id":"proj_bench","payload":{"event_id":"x",` +
  `"request_id":"req-${i}","decision":"allow","reason_code":"none","triggered_categories":[],"rollout_mode":"enforce",` +
  `"enforced":true,"policy_id":"pol_1","policy_user":null,"policy_project_id":"proj_bench","policy_target":"input",` +
  `"allowlist_hits":0,"denylist_hits":0,"model":"gpt-4o-mini","created_at":"2026-12-07T19:00:00.000Z"}}`;

function withLog(fsyncIntervalMs, body) {
  const dir = mkdtempSync(join(BASE_DIR, 'pgw-event-log-bench-'));
  const log = new WriteAheadLog(dir, { fsyncIntervalMs, maxBytes: 4 * 1024 * 1024 * 1024 });
  return Promise.resolve(body(log)).finally(() => {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

function tightLoop(log) {
  const values = Array.from({ length: 1000 }, (_, i) => event(i));
  const before = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i++)
    log.append('pgw.decisions.v1', [{ key: 'proj_bench', value: values[i % 1000] }]);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(before);
  return { cpuUs: (cpu.user + cpu.system) / EVENTS, wallUs: wallUs / EVENTS };
}

async function paced(log) {
  const values = Array.from({ length: 1000 }, (_, i) => event(i));
  const samples = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < PACED_MS) {
    const due = Math.floor(((performance.now() - start) / 1000) * RATE);
    while (sent < due) {
      const t = performance.now();
      log.append('pgw.decisions.v1', [{ key: 'proj_bench', value: values[sent % 1000] }]);
      samples.push(performance.now() - t);
      sent++;
    }
    await new Promise((done) => setTimeout(done, 1)); // let the fsync timer and its callback run
  }
  samples.sort((a, b) => a - b);
  const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { n: samples.length, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: samples[samples.length - 1] };
}

const configs = [
  ['page cache only (default)', 0],
  ['fsync every 100 ms', 100],
  ['fsync every 10 ms', 10],
];
console.log(
  `event log bench: ${EVENTS} appends per tight loop; paced ${RATE}/s for ${PACED_MS / 1000} s; dir ${BASE_DIR}`,
);
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const rows = [];
for (const [name, fsyncMs] of configs) {
  const loop = await withLog(fsyncMs, tightLoop);
  const lat = await withLog(fsyncMs, paced);
  rows.push({
    configuration: name,
    'CPU µs/append': loop.cpuUs.toFixed(2),
    'wall µs/append (loop)': loop.wallUs.toFixed(2),
    'paced p50 µs': (lat.p50 * 1000).toFixed(1),
    'paced p99 µs': (lat.p99 * 1000).toFixed(1),
    'paced p99.9 µs': (lat.p999 * 1000).toFixed(1),
    'paced max ms': lat.max.toFixed(2),
  });
}
console.table(rows);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
