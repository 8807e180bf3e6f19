// Compiles apps/ and libs/ with swc into dist/ (and bundles the admin console with Vite), rewriting the @pgw/* path aliases to relative requires
// so the output runs on plain Node (no loader). Type checking is `npm run typecheck` (part of npm test).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const swcrc = JSON.parse(readFileSync(resolve(root, '.swcrc'), 'utf8'));
swcrc.jsc.baseUrl = root; // swc wants an absolute baseUrl to rewrite aliases
const tmpConfig = resolve(root, 'tmp', 'swcrc.build.json');
execFileSync('mkdir', ['-p', resolve(root, 'tmp')]);
writeFileSync(tmpConfig, JSON.stringify(swcrc));
rmSync(resolve(root, 'dist'), { recursive: true, force: true });
execFileSync(
  resolve(root, 'node_modules/.bin/swc'),
  [
    'apps',
    'libs',
    '-d',
    'dist',
    '--config-file',
    tmpConfig,
    '--copy-files',
    '--ignore',
    // apps/console is a browser app: Vite bundles it below.
    '**/*.spec.ts,**/*.int-spec.ts,apps/console/**',
    '--quiet',
  ],
  { cwd: root, stdio: 'inherit' },
);

// The admin console (apps/console): static files in dist/console, served at /console.
execFileSync(
  resolve(root, 'node_modules/.bin/vite'),
  ['build', '--config', 'apps/console/vite.config.mts', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
