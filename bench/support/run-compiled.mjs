// Compiles one bench folder and libs/ with swc (path aliases rewritten, like scripts/build.mjs) into
// tmp/bench-<name> and runs its entry on plain Node, so benches measure the same JavaScript the apps run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/** `benchDir` like 'bench/audit', `entry` the compiled file inside it, like 'ingest.bench.js'. */
export function runCompiledBench(benchDir, entry, env = {}) {
  const name = benchDir.split('/').at(-1);
  const out = resolve(root, 'tmp', `bench-${name}`);
  const swcrc = JSON.parse(readFileSync(resolve(root, '.swcrc'), 'utf8'));
  swcrc.jsc.baseUrl = root; // swc wants an absolute baseUrl to rewrite aliases
  mkdirSync(resolve(root, 'tmp'), { recursive: true });
  const config = resolve(root, 'tmp', `swcrc.bench-${name}.json`);
  writeFileSync(config, JSON.stringify(swcrc));
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    resolve(root, 'node_modules/.bin/swc'),
    [
      benchDir,
      'libs',
      '-d',
      out,
      '--config-file',
      config,
      '--copy-files',
      '--ignore',
      '**/*.spec.ts,**/*.int-spec.ts',
      '--quiet',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  execFileSync(process.execPath, [resolve(out, benchDir, entry)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
  });
}
