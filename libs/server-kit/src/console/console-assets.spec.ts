import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CONTENT_SECURITY_POLICY, loadConsoleAssets } from './console-assets';

describe('console assets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgw-console-assets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html at the root, hashed assets as immutable, and nothing of an unknown type', () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export {}');
    writeFileSync(join(dir, 'assets', 'notes.txt'), 'not a console file');
    const assets = loadConsoleAssets(dir);
    expect([...assets.keys()].sort()).toEqual(['', 'assets/index-abc.js', 'index.html']);
    expect(assets.get('')?.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('')?.immutable).toBe(false);
    expect(assets.get('assets/index-abc.js')).toMatchObject({
      contentType: 'text/javascript; charset=utf-8',
      immutable: true,
    });
  });

  it('is empty when the console is not built', () => {
    expect(loadConsoleAssets(join(dir, 'missing')).size).toBe(0);
  });

  it('allows nothing inline and nothing from another origin', () => {
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|\*|https?:/);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });
});
