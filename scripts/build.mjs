// Compiles apps/ and libs/ with swc into dist/, rewriting the @pgw/* path aliases to relative requires
// so the output runs on plain Node (no loader). Type checking is `npm run typecheck` (part of npm test).
//   node scripts/build.mjs <projectRoot>   one project into dist/<projectRoot> (the Nx `build` target)
//   node scripts/build.mjs                 every project, through Nx (cached per project)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const projectRoot = process.argv[2];

if (!projectRoot) {
  execFileSync(
    resolve(root, 'node_modules/.bin/nx'),
    ['run-many', '-t', 'build', '--parallel=2', '--outputStyle=static'],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  process.exit(0);
}

const swcrc = JSON.parse(readFileSync(resolve(root, '.swcrc'), 'utf8'));
swcrc.jsc.baseUrl = root; // swc wants an absolute baseUrl to rewrite aliases
const tmpDir = resolve(root, 'tmp');
mkdirSync(tmpDir, { recursive: true });
const tmpConfig = resolve(tmpDir, `swcrc.build.${projectRoot.replace(/[^\w-]/g, '_')}.json`);
writeFileSync(tmpConfig, JSON.stringify(swcrc));
rmSync(resolve(root, 'dist', projectRoot), { recursive: true, force: true });
execFileSync(
  resolve(root, 'node_modules/.bin/swc'),
  [
    projectRoot,
    '-d',
    'dist',
    '--config-file',
    tmpConfig,
    '--copy-files',
    '--ignore',
    // Training data (libs/policy-engine/data) is for scripts and tests, not for the runtime.
    '**/*.spec.ts,**/*.int-spec.ts,**/policy-engine/data/**',
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);
