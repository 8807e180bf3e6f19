// `npm test`: format check, lint (with Nx module boundaries), type check, then every Jest suite
// (unit, integration against the real Postgres/Kafka/Redis, and cross-service end to end).
// The Jest global setup brings the project's own Kafka broker up when none answers.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => resolve(root, 'node_modules/.bin', name);
const env = { ...process.env, NX_DAEMON: 'false', KAFKAJS_NO_PARTITIONER_WARNING: '1' };

const steps = [
  ['format', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
  // The module-boundary lint rule reads Nx's project graph; compute it first so a fresh clone enforces it.
  ['project graph', bin('nx'), ['show', 'projects']],
  ['lint', bin('eslint'), ['.', '--max-warnings', '0']],
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['typecheck console', bin('tsc'), ['-p', 'apps/console/tsconfig.json', '--noEmit']],
  ['build', process.execPath, ['scripts/build.mjs']],
  ['jest', bin('jest'), ['--config', 'jest.config.js', '--ci', ...process.argv.slice(2)]],
];

for (const [name, command, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`\n${name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}
