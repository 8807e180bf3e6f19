// `npm test`: format check, then Nx runs every project's lint, build and test targets, with the type check
// in between. Nx caches each target in the workspace's own .nx/cache (nx.json's cacheDirectory), keyed by the
// project's files and its dependencies', so a fresh clone has no cache and runs everything. Tests are unit,
// integration against the real Postgres/Kafka/Redis, and cross-service end to end; the Jest global setup
// brings the project's own Kafka broker up when none answers. `npm test -- <jest args>` runs Jest directly
// on what you name instead.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => resolve(root, 'node_modules/.bin', name);
const env = { ...process.env, NX_DAEMON: 'false', KAFKAJS_NO_PARTITIONER_WARNING: '1' };
const nx = (target, parallel) => [
  target,
  bin('nx'),
  ['run-many', '-t', target, `--parallel=${parallel}`, '--outputStyle=stream', ...nxCacheFlags()],
];
/** PGW_NO_CACHE=1 reruns every target even when Nx has a cached result. */
const nxCacheFlags = () => (process.env.PGW_NO_CACHE === '1' ? ['--skip-nx-cache'] : []);

const jestArgs = process.argv.slice(2);
const steps = jestArgs.length
  ? [['jest', bin('jest'), ['--config', 'jest.config.js', '--ci', ...jestArgs]]]
  : [
      ['format', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
      // The module-boundary lint rule reads Nx's project graph; compute it first so a fresh clone enforces it.
      ['project graph', bin('nx'), ['show', 'projects']],
      nx('lint', 2),
      // What no project holds (benches, scripts, root configs).
      [
        'lint (outside projects)',
        bin('eslint'),
        ['bench', 'scripts', '*.mjs', '*.js', '--max-warnings', '0'],
      ],
      ['typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
      nx('build', 2),
      // Two projects at a time, one Jest worker each: the machine's two cores, without oversubscribing.
      nx('test', 2),
    ];

for (const [name, command, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`\n${name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}
