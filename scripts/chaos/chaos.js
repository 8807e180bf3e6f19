'use strict';
// The chaos suite (npm run chaos; not part of npm test): the four services on a broker and a Postgres
// cluster this script owns, under bounded load, through five faults. See scripts/chaos/README.md.
const { randomUUID } = require('node:crypto');
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { OwnKafka, OwnPostgres } = require('./infra');
const { Load } = require('./load');
const { Service, startMockUpstream, sleep } = require('./services');
const { followUsage, ingestWindow, waitCaughtUp } = require('./verify');

const RATE = Number(process.env.CHAOS_RATE ?? 100);
const KAFKA_PORT = Number(process.env.CHAOS_KAFKA_PORT ?? 29092);
const PG_PORT = Number(process.env.CHAOS_PG_PORT ?? 25432);
const BASE_PORT = Number(process.env.CHAOS_BASE_PORT ?? 28080);
// Case names contain commas: the list is separated by semicolons.
const ONLY = process.env.CHAOS_CASES ? process.env.CHAOS_CASES.split(';').map((name) => name.trim()) : null;
const CATCH_UP_LIMIT_MS = 10_000;
const MODEL = 'chaos-model';

async function main() {
  const run = randomUUID().slice(0, 8);
  const work = mkdtempSync(join(tmpdir(), 'pgw-chaos-'));
  chmodSync(work, 0o755); // Postgres may run as another user (see infra.js)
  const kafka = new OwnKafka({ port: KAFKA_PORT, controllerPort: KAFKA_PORT + 1 });
  const pg = new OwnPostgres({ port: PG_PORT, dir: join(work, 'pg') });
  const services = {};
  let mock = null;
  let usage = null;
  try {
    console.log(`[chaos] run ${run}: own broker 127.0.0.1:${KAFKA_PORT}, own Postgres 127.0.0.1:${PG_PORT}`);
    await kafka.stop();
    kafka.wipe();
    await kafka.start();
    await pg.init();
    await pg.start();
    mock = await startMockUpstream();
    const adminToken = `chaos-admin-${randomUUID()}`;
    const common = { DATABASE_URL: pg.url, KAFKA_BROKERS: kafka.brokers, ADMIN_TOKEN: adminToken };
    services.policy = new Service('policy', BASE_PORT + 1, {
      ...common,
      KEY_USAGE_CONSUMER_GROUP: `chaos-keys-${run}`,
    });
    services.audit = new Service('audit', BASE_PORT + 2, {
      ...common,
      KAFKA_CONSUMER_GROUP: `chaos-audit-${run}`,
    });
    services.billing = new Service('billing', BASE_PORT + 3, {
      ...common,
      KAFKA_CONSUMER_GROUP: `chaos-billing-${run}`,
    });
    // One at a time: each runs its migrations on the fresh database.
    for (const name of ['policy', 'audit', 'billing']) await services[name].start().waitReady();
    const gatewayEnv = {
      KAFKA_BROKERS: kafka.brokers,
      UPSTREAM_BASE_URL: mock.url,
      UPSTREAM_API_KEY: 'upstream-key',
      SPILL_DIR: join(work, 'gateway-log'),
      INSTANCE_ID: 'chaos-gateway',
    };
    services.gateway = new Service('gateway', BASE_PORT, gatewayEnv);
    await services.gateway.start().waitReady();
    const { projectId, apiKey } = await createProjectAndKey(
      services.policy.url,
      adminToken,
      services.gateway.url,
    );
    usage = await followUsage(kafka.brokers, 'pgw.usage.v1');
    const ctx = { kafka, pg, services, gatewayEnv, projectId, apiKey, adminToken, run, usage };

    const results = [];
    for (const [name, fault] of CASES) {
      if (ONLY && !ONLY.includes(name)) continue;
      console.log(`\n[chaos] case: ${name}`);
      results.push({ name, ...(await runCase(ctx, name, fault)) });
      printResult(results[results.length - 1]);
    }
    const logs = logFindings(services);
    console.log('\n[chaos] summary');
    console.table(results.map(summaryRow));
    console.log('[chaos] log findings', logs);
    const failed = results.filter(
      (r) =>
        r.lost > 0 ||
        r.duplicated > 0 ||
        r.unauthorized > 0 ||
        r.catchUpMs === null ||
        r.allLandedMs === null ||
        (r.brokerCase && r.catchUpMs > CATCH_UP_LIMIT_MS),
    );
    process.exitCode = failed.length > 0 || Object.values(logs).some((n) => n > 0) ? 1 : 0;
  } finally {
    for (const service of Object.values(services)) await service.stop().catch(() => undefined);
    await mock?.close();
    await usage?.close().catch(() => undefined);
    try {
      await pg.destroy();
    } catch (error) {
      console.error(`[chaos] stopping Postgres: ${error.message}`);
    }
    await kafka.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Each fault runs inside bounded load. It returns when the fault is over (the broker, database or
 * gateway is back): the time to catch up is measured from then.
 */
const CASES = [
  [
    'gateway kill -9, Kafka up',
    async ({ services }) => {
      await sleep(4_000);
      await services.gateway.kill9();
      await restartGateway(services);
      await sleep(3_000);
      return { recoveredAt: Date.now() };
    },
  ],
  [
    'gateway kill -9, Kafka down',
    async ({ services, kafka }) => {
      await sleep(3_000);
      await kafka.stop();
      await sleep(4_000); // served meanwhile: the events are only in the gateway's local log
      await services.gateway.kill9();
      services.gateway = new Service('gateway', services.gateway.port, services.gateway.env).start();
      await sleep(3_000); // restarted without Kafka: 503 not_ready (never 401) until it can load state
      const { acceptingAt, usableAt } = await kafka.startTimed();
      await services.gateway.waitReady();
      await sleep(3_000);
      return { recoveredAt: acceptingAt, usableAt, brokerCase: true };
    },
  ],
  [
    'broker stopped 15 s',
    async ({ kafka }) => {
      await sleep(3_000);
      await kafka.stop();
      await sleep(15_000);
      const { acceptingAt, usableAt } = await kafka.startTimed();
      await sleep(3_000);
      return { recoveredAt: acceptingAt, usableAt, brokerCase: true };
    },
  ],
  [
    'Postgres restarted',
    async ({ pg }) => {
      await sleep(3_000);
      await pg.stop();
      await pg.start();
      const recoveredAt = Date.now();
      await sleep(3_000);
      return { recoveredAt };
    },
  ],
  [
    'Postgres stopped 20 s',
    async (ctx) => {
      await sleep(3_000);
      await ctx.pg.stop();
      const admin = sampleAdmin(ctx, 20_000);
      await sleep(20_000);
      await ctx.pg.start();
      const recoveredAt = Date.now();
      const adminStatuses = await admin;
      await sleep(3_000);
      return { recoveredAt, adminStatuses };
    },
  ],
];

async function runCase(ctx, name, fault) {
  const load = new Load({
    model: MODEL,
    gatewayUrl: ctx.services.gateway.url,
    apiKey: ctx.apiKey,
    rate: RATE,
    prefix: `${ctx.run}-${CASES.findIndex(([n]) => n === name)}`,
  });
  const readiness = sampleReadiness(ctx.services);
  load.start();
  const outcome = await fault(ctx);
  await load.stop();
  readiness.stop();
  const acknowledged = load.acknowledged();
  const caughtUp = await waitCaughtUp(
    ctx.pg.url,
    ctx.projectId,
    acknowledged,
    ctx.usage.eventsOf,
    outcome.recoveredAt,
  );
  const consumers = await ingestWindow(ctx.pg.url, ctx.projectId, outcome.recoveredAt).catch(() => null);
  // The backlog: requests acknowledged before the fault ended. Its last row landing is the catch-up;
  // the load goes on after the fault (until the broker script, readiness and 3 s are over), so the
  // last of all acknowledged rows also waits for requests answered long after the return.
  const backlog = await waitCaughtUp(
    ctx.pg.url,
    ctx.projectId,
    load.acknowledgedBefore(outcome.recoveredAt),
    ctx.usage.eventsOf,
    outcome.recoveredAt,
  );
  return {
    acknowledged: acknowledged.length,
    ...caughtUp,
    allLandedMs: caughtUp.catchUpMs,
    backlog: load.acknowledgedBefore(outcome.recoveredAt).length,
    catchUpMs: backlog.catchUpMs,
    consumers,
    brokerScriptMs: outcome.usableAt ? outcome.usableAt - outcome.recoveredAt : undefined,
    gatewayLog: ctx.services.gateway.timedLines(outcome.recoveredAt),
    unauthorized: load.unauthorized.length,
    errors: load.errorsByStatus(),
    readiness: readiness.counts,
    adminStatuses: outcome.adminStatuses,
    brokerCase: outcome.brokerCase ?? false,
  };
}

async function restartGateway(services) {
  services.gateway = new Service('gateway', services.gateway.port, services.gateway.env).start();
  await services.gateway.waitReady();
}

/** /readyz of audit and billing every 500 ms during a case: how often each said not ready. */
function sampleReadiness(services) {
  const counts = { audit: { 200: 0, 503: 0 }, billing: { 200: 0, 503: 0 } };
  const timer = setInterval(() => {
    for (const name of ['audit', 'billing']) {
      fetch(`${services[name].url}/readyz`)
        .then((r) => (counts[name][r.status] = (counts[name][r.status] ?? 0) + 1))
        .catch(() => undefined);
    }
  }, 500);
  return { counts, stop: () => clearInterval(timer) };
}

/** The policy admin API while Postgres is down: statuses it answered (503 is the truth, 500 is not). */
async function sampleAdmin({ services, adminToken }, durationMs) {
  const statuses = {};
  const until = Date.now() + durationMs - 2_000;
  while (Date.now() < until) {
    const status = await fetch(`${services.policy.url}/admin/v1/projects`, {
      headers: { authorization: `Bearer ${adminToken}` },
    }).then(
      (r) => r.status,
      () => 'connection',
    );
    statuses[status] = (statuses[status] ?? 0) + 1;
    await sleep(1_000);
  }
  return statuses;
}

async function createProjectAndKey(policyUrl, adminToken, gatewayUrl) {
  const admin = async (path, body) => {
    const response = await fetch(`${policyUrl}/admin/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const project = await admin('/projects', {
    name: `chaos-${randomUUID()}`,
    plan: 'enterprise',
    allowed_models: [MODEL],
  });
  const { key } = await admin(`/projects/${project.id}/keys`, { name: 'chaos' });
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    if (r.status === 200) return { projectId: String(project.id), apiKey: key };
    await sleep(100);
  }
  throw new Error('the gateway never learnt the key');
}

/** Things no service may log: an error printed as [object Object], query parameters, debug lines. */
function logFindings(services) {
  const count = (pattern) => {
    const lines = Object.values(services).flatMap((s) =>
      s.logLines(pattern).map((line) => `${s.app}: ${line}`),
    );
    for (const line of lines.slice(0, 5)) console.log(`[chaos] log finding: ${line.slice(0, 300)}`);
    // The lines before the first finding (a multi-line error object names its origin only above it).
    for (const service of Object.values(services)) {
      const all = service.output.split('\n');
      const at = all.findIndex((line) => pattern.test(line));
      if (at < 0) continue;
      const context = all.slice(Math.max(0, at - 12), at + 1).map((line) => line.slice(0, 200));
      console.log(`[chaos] ${service.app}, before its first finding:\n${context.join('\n')}`);
      break;
    }
    return lines.length;
  };
  return {
    objectObject: count(/\[object Object\]/),
    queryParameters: count(/parameters|PARAMETERS/),
    debugLines: count(/\bDEBUG\b/),
  };
}

function summaryRow(r) {
  return {
    case: r.name,
    acknowledged: r.acknowledged,
    'audit rows': r.auditRows,
    'usage rows': r.usageRows,
    lost: r.lost,
    duplicated: r.duplicated,
    '401s': r.unauthorized,
    'client errors': JSON.stringify(r.errors),
    'backlog events': r.backlog * 3,
    'catch-up s': r.catchUpMs === null ? 'never' : (r.catchUpMs / 1000).toFixed(1),
    'all landed s': r.allLandedMs === null ? 'never' : (r.allLandedMs / 1000).toFixed(1),
  };
}

function printResult(r) {
  console.log(
    JSON.stringify({
      ...summaryRow(r),
      readiness: r.readiness,
      admin: r.adminStatuses ?? undefined,
      // From the fault's end (the broker accepting connections): when each consumer wrote its first and
      // last row since, the start script's own time (topic check), the gateway's log meanwhile.
      consumers: r.consumers,
      brokerScriptMs: r.brokerScriptMs,
      noticedMs: r.noticedMs,
      gatewayLog: r.gatewayLog,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
