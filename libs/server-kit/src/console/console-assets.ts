import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

/**
 * The admin console is static: every file is read once at start into memory, so a request can only ever
 * get one of the built files (no path from the URL ever reaches the file system).
 */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** Vite names assets by content hash: they never change under one name. */
  immutable: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * Same-origin only, no inline script or style, no framing, no plugins. The console calls /admin/v1 on its
 * own origin and renders every value as text, so nothing else is needed.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Files of the built console keyed by their URL path below /console ('' is index.html). */
export function loadConsoleAssets(directory: string): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  if (!existsSync(join(directory, 'index.html'))) return assets;
  const walk = (relative: string) => {
    for (const name of readdirSync(join(directory, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      if (statSync(join(directory, path)).isDirectory()) walk(path);
      else if (CONTENT_TYPES[extname(name)]) {
        assets.set(path, {
          body: readFileSync(join(directory, path)),
          contentType: CONTENT_TYPES[extname(name)],
          immutable: path.startsWith('assets/'),
        });
      }
    }
  };
  walk('');
  const index = assets.get('index.html');
  if (index) assets.set('', index);
  return assets;
}
