import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpillFile } from './spill-file';

describe('SpillFile', () => {
  const root = mkdtempSync(join(tmpdir(), 'pgw-spill-mode-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates its directory 0700 and its file 0600', () => {
    const path = join(root, 'spill', 'events.jsonl');
    const spill = new SpillFile(path, 1 << 20);
    spill.append([{ topic: 't', key: null, value: '{}' }]);
    expect(statSync(join(root, 'spill')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
