// Propagation latency: admin call answered -> first gateway request that sees the change.
// Starts the built policy service and gateway as processes against a throwaway Postgres database and the
// project's Kafka broker, then makes N changes (create a key, then revoke it; alternating) and polls the
// gateway until it reflects each one. Prints p50 / p99 / max.
//   npm run build && bash scripts/kafka/kafka.sh start && node bench/propagation/propagation.bench.mjs [N]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';

const root = resolve(import.meta.dirname, '..', '..');
const N = Number(process.argv[2] ?? 100);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const adminToken = `bench-admin-${randomUUID()}`;
const dbName = `pgw_bench_prop_${Date.now()}`;

const freePort = () =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

function start(app, port, env) {
  const child = spawn(process.execPath, [resolve(root, 'dist/apps', app, 'src/main.js')], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function until(probe, timeoutMs = 60_000, pollMs = 5) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const admin = async (base, path, body) => {
  const response = await fetch(`${base}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

const adminDb = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await adminDb.connect();
await adminDb.query(`CREATE DATABASE "${dbName}"`);
const databaseUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
const policy = start('policy', await freePort(), {
  DATABASE_URL: databaseUrl,
  KAFKA_BROKERS: brokers,
  ADMIN_TOKEN: adminToken,
});
const gateway = start('gateway', await freePort(), {
  KAFKA_BROKERS: brokers,
  UPSTREAM_BASE_URL: 'http://127.0.0.1:9/v1',
  SPILL_DIR: `tmp/bench-spill-${Date.now()}`,
});
try {
  await until(async () => (await fetch(`${policy.url}/readyz`)).ok);
  await until(async () => (await fetch(`${gateway.url}/readyz`)).ok);
  const project = await admin(policy.url, '/projects', {
    name: `bench-${randomUUID()}`,
    allowed_models: ['gpt-4o-mini'],
  });
  const sees = async (key, status) =>
    (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status ===
    status;

  const latencies = [];
  let key = null;
  let keyId = null;
  for (let i = 0; i < N; i++) {
    let answeredAt;
    if (key === null) {
      const created = await admin(policy.url, `/projects/${project.id}/keys`, { name: `k${i}` });
      answeredAt = performance.now();
      key = created.key;
      keyId = created.id;
      await until(() => sees(key, 200), 10_000);
    } else {
      await admin(policy.url, `/projects/${project.id}/keys/${keyId}/revoke`);
      answeredAt = performance.now();
      await until(() => sees(key, 401), 10_000);
      key = null;
    }
    latencies.push(performance.now() - answeredAt);
  }
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  console.log(
    `\nPropagation (admin answer -> gateway sees it), ${N} changes (key create / revoke), 5 ms poll granularity`,
  );
  console.log('| p50 ms | p90 ms | p99 ms | max ms |');
  console.log('| ---: | ---: | ---: | ---: |');
  console.log(`| ${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${latencies.at(-1).toFixed(1)} |`);
} finally {
  policy.child.kill('SIGTERM');
  gateway.child.kill('SIGTERM');
  await Promise.all(
    [policy, gateway].map(
      ({ child }) => new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r))),
    ),
  );
  await adminDb.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await adminDb.end();
}
