// Compiles bench/attestation and libs/ with swc (path aliases rewritten, like scripts/build.mjs) into
// tmp/bench-attestation and runs the benchmark on plain Node: `node bench/attestation/run.mjs`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const out = resolve(root, 'tmp', 'bench-attestation');
const swcrc = JSON.parse(readFileSync(resolve(root, '.swcrc'), 'utf8'));
swcrc.jsc.baseUrl = root; // swc wants an absolute baseUrl to rewrite aliases
mkdirSync(resolve(root, 'tmp'), { recursive: true });
const config = resolve(root, 'tmp', 'swcrc.bench-attestation.json');
writeFileSync(config, JSON.stringify(swcrc));
rmSync(out, { recursive: true, force: true });
execFileSync(
  resolve(root, 'node_modules/.bin/swc'),
  [
    'bench/attestation',
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
execFileSync(process.execPath, [resolve(out, 'bench/attestation/attestation.bench.js')], {
  cwd: root,
  stdio: 'inherit',
});
