import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerOnlyDataDir } from './pglite-pool';

// pgliteInstance calls this before PGlite opens the directory (PGlite cannot start inside Jest's VM).
describe('PGlite data directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'pgw-pglite-mode-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is made owner-only (0700), whether it is created or already there', () => {
    const fresh = join(root, 'a', 'fresh');
    const existing = join(root, 'existing');
    mkdirSync(existing, { mode: 0o777 });
    for (const dir of [fresh, existing]) {
      ownerOnlyDataDir(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
  });
});
