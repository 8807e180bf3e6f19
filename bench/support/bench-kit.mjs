// What the load benches share: child processes, polling, statistics, tables, and seeding a project and
// key straight onto the gateway's state topics (no policy service needed).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
/** A module of the built product (`npm run build` / `node scripts/build.mjs` first). */
export const fromDist = (path) => require(join(root, 'dist', path));

const children = [];
/**
 * CPU pinning (BENCH_PIN=1, or a bench's --pin): the load generator on CPU 0, every server it measures
 * (mock upstream, gateways, Portkey, the Kafka broker) on CPU 1, so the client's own work never takes
 * the servers' CPU and the servers share one core among themselves, as a gateway and its neighbours
 * would on a small node. Applied the same way to every target.
 */
export const CLIENT_CPU = '0';
export const SERVER_CPU = '1';
export function pinned() {
  return process.env.BENCH_PIN === '1';
}
export function pinProcesses() {
  if (!pinned()) return;
  execFileSync('taskset', ['-a', '-p', '-c', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
  const status = execFileSync('bash', [join(root, 'scripts/kafka/kafka.sh'), 'status'], { encoding: 'utf8' });
  const broker = status.match(/pid (\d+)/)?.[1];
  if (!broker) return;
  execFileSync('taskset', ['-a', '-p', '-c', SERVER_CPU, broker], { stdio: 'ignore' });
  // The broker outlives the bench (tests share it): give it every CPU back.
  const all = `0-${availableParallelism() - 1}`;
  process.on('exit', () => execFileSync('taskset', ['-a', '-p', '-c', all, broker], { stdio: 'ignore' }));
}

/** Starts a child process whose stderr shows only with BENCH_VERBOSE; every child dies with the bench. */
export function start(name, command, argv, env = {}) {
  const [file, args] = pinned() ? ['taskset', ['-c', SERVER_CPU, command, ...argv]] : [command, argv];
  const child = spawn(file, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (d) => process.env.BENCH_VERBOSE && process.stderr.write(`[${name}] ${d}`));
  // BENCH_LOG_DIR keeps each child's output (e.g. a gateway run with --trace-gc) in <dir>/<name>.log.
  if (process.env.BENCH_LOG_DIR) {
    const log = createWriteStream(join(process.env.BENCH_LOG_DIR, `${name.replace(/\W+/g, '-')}.log`));
    child.stdout.on('data', (d) => log.write(d));
    child.stderr.on('data', (d) => log.write(d));
  }
  // Always drained: a child whose stdout pipe fills (64 KB of log lines) blocks on its next write.
  else child.stdout.resume();
  children.push(child);
  return child;
}
export function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopAll);
// Exiting through process.exit runs the 'exit' hook above, so no child outlives the bench.
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Polls `probe` until it returns true (errors count as "not yet"). */
export async function waitUntil(probe, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
export const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
};
export const fmt = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
/** " (min–max)" of the repetitions, or nothing for one. */
export const range = (values, digits = 0) =>
  values.length > 1 ? ` (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})` : '';

export function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/** Limits far above any offered load: only what the bench measures may turn requests away. */
export const UNLIMITED = { requests_per_minute: 100_000_000, tokens_per_minute: 1_000_000_000_000 };

/**
 * Publishes a project and one active key for it on the state topics the gateway follows; returns the
 * client key (`pgw_<id>_<secret>`).
 */
export async function publishProjectAndKey(
  bus,
  contracts,
  { projectId, keyId, secret, name, plan, budgetMicros },
) {
  const now = new Date().toISOString();
  await bus.publishAndWait(contracts.TOPICS.projectState, [
    {
      key: projectId,
      value: JSON.stringify({
        project_id: projectId,
        name,
        plan,
        default_rollout_mode: 'enforce',
        allowed_models: [],
        limits: UNLIMITED,
        key_limits: UNLIMITED,
        monthly_budget_micros: budgetMicros,
        budget_soft_alert_percent: 80,
        audit_retention_days: 30,
        updated_at: now,
      }),
    },
  ]);
  await bus.publishAndWait(contracts.TOPICS.keyState, [
    {
      key: keyId,
      value: JSON.stringify({
        key_id: keyId,
        project_id: projectId,
        secret_hash: contracts.hashKeySecret(secret),
        status: 'active',
        allowed_models: null,
        limits: null,
        expires_at: null,
        updated_at: now,
      }),
    },
  ]);
  return contracts.formatProjectKey(keyId, secret);
}
