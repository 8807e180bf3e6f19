// One measured producer run (spawned by producer-bench.mjs): the KafkaEventBus of one build's dist/,
// configured as the gateway runs it (local event log, 20 ms linger, 2,000-message batches), publishing
// request-shaped groups of events (two decisions and one usage event per request). Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [distDir, brokers, requestsArg, topic] = process.argv.slice(2);
const requests = Number(requestsArg);
const require = createRequire(import.meta.url);
const { KafkaEventBus } = require(join(distDir, 'libs/messaging/src/index.js'));
const logDir = mkdtempSync(join(tmpdir(), 'pgw-producer-bench-'));
const bus = new KafkaEventBus({
  brokers: brokers.split(','),
  clientId: `producer-bench-${process.pid}`,
  logDir,
  lingerMs: 20,
  maxBatchMessages: 2_000,
  logger: () => undefined,
});

// Shapes and sizes of the gateway's events (a decision ~0.7 KB, a usage event ~0.45 KB), 50 projects.
const projects = Array.from({ length: 50 }, (_, i) => `prj_01JBENCH${String(i).padStart(4, '0')}`);
const decision = (i, target) =>
  `{"event_id":"0193a5f0-${String(i).padStart(12, '0')}-7000-8000-000000000000","type":"decision","schema_version":1,` +
  `"occurred_at":"2026-12-07T18:00:00.000Z","project_id":"${projects[i % 50]}","payload":{"request_id":"req_${i}",` +
  `"policy_target":"${target}","decision":"allow","reason_code":"allowed","rollout_mode":"enforce","enforced":true,` +
  `"triggered_categories":[],"allowlist_hits":0,"denylist_hits":0,"model":"gpt-4o-mini","policy_id":"pol_1",` +
  `"policy_revision":3,"key_id":"key_${i % 200}","latency_ms":1.25,"matched_rules":[],"redactions":0,"pad":"${'x'.repeat(220)}"}}`;
const usage = (i) =>
  `{"event_id":"0193a5f0-${String(i).padStart(12, '0')}-7000-9000-000000000000","type":"usage","schema_version":1,` +
  `"occurred_at":"2026-12-07T18:00:00.000Z","project_id":"${projects[i % 50]}","payload":{"request_id":"req_${i}",` +
  `"key_id":"key_${i % 200}","model":"gpt-4o-mini","input_tokens":171,"output_tokens":93,"total_tokens":264,` +
  `"status":"ok","started_at":"2026-12-07T18:00:00.000Z","finished_at":"2026-12-07T18:00:00.120Z"}}`;

async function publishRequests(from, count) {
  for (let i = from; i < from + count; i++) {
    const key = projects[i % 50];
    bus.publish(topic, [
      { key, value: decision(i, 'input') },
      { key, value: decision(i, 'output') },
    ]);
    bus.publish(topic, [{ key, value: usage(i) }]);
    // ~100 requests per event-loop turn, as a busy gateway's loop hands them over.
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  await bus.flush();
}

await publishRequests(0, 2_000); // warm-up: connections, metadata, JIT
const health = bus.health();
if (!health.connected || health.spilled > 0) throw new Error(`broker not usable: ${JSON.stringify(health)}`);
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await publishRequests(2_000, requests);
const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const after = bus.health();
await bus.close();
rmSync(logDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    cpuUsPerRequest: (cpu.user + cpu.system) / requests,
    requestsPerSecond: requests / (wallMs / 1000),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    spilled: after.spilled,
  }),
);
