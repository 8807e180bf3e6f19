// Prints the admin console's production bundle sizes (raw and gzip -9) from dist/apps/console, after
// `npm run build`: the first view (what index.html loads: the sign-in screen) and each lazy chunk.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '..', 'dist', 'apps', 'console');
const html = readFileSync(resolve(dist, 'index.html'), 'utf8');
const firstView = new Set([...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+)"/g)].map((m) => m[1]));
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const rows = readdirSync(resolve(dist, 'assets')).map((name) => {
  const body = readFileSync(resolve(dist, 'assets', name));
  return {
    name,
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    first: firstView.has(`assets/${name}`),
  };
});
rows.sort((a, b) => Number(b.first) - Number(a.first) || b.gzip - a.gzip);
for (const row of rows) {
  console.log(
    `${row.first ? 'first view' : 'lazy      '}  ${row.name.padEnd(36)} ${kb(row.raw).padStart(10)} ${kb(row.gzip).padStart(10)} gzip`,
  );
}
const sum = (filter) => rows.filter(filter).reduce((total, row) => total + row.gzip, 0);
console.log(`first view JavaScript: ${kb(sum((r) => r.first && r.name.endsWith('.js')))} gzip`);
console.log(`first view CSS:        ${kb(sum((r) => r.first && r.name.endsWith('.css')))} gzip`);
console.log(`all JavaScript:        ${kb(sum((r) => r.name.endsWith('.js')))} gzip`);
