import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..');
const env = { ...process.env, NX_DAEMON: 'false' };

/** ESLint (as a process: its config loader needs real ESM) on a snippet placed at a given path. */
function lintErrors(filePath: string, code: string, ruleId: string): string[] {
  const run = spawnSync(
    resolve(root, 'node_modules/.bin/eslint'),
    ['--stdin', '--stdin-filename', resolve(root, filePath), '--format', 'json'],
    { cwd: root, env, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

const boundaryErrors = (filePath: string, code: string) =>
  lintErrors(filePath, code, '@nx/enforce-module-boundaries');

/** The architecture is enforced, not just declared: these imports must fail lint. */
describe('Nx module boundaries', () => {
  beforeAll(() => {
    execFileSync(resolve(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      env,
      stdio: 'ignore',
    });
  });

  it('refuses a framework import in the policy engine', () => {
    const code = "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n";
    expect(boundaryErrors('libs/policy-engine/src/zz.ts', code)).toHaveLength(1);
  });

  it("refuses one service's server lib importing another's", () => {
    const code = "import { x } from '@pgw/billing-server';\nexport const y = x;\n";
    expect(boundaryErrors('libs/audit-server/src/zz.ts', code)).toHaveLength(1);
  });

  it('refuses a relative import across a project boundary', () => {
    const code = "import { TOPICS } from '../../contracts/src/topics';\nexport const y = TOPICS;\n";
    expect(boundaryErrors('libs/messaging/src/zz.ts', code).length).toBeGreaterThan(0);
  });

  it('allows a server lib to use the shared contracts', () => {
    const code = "import { TOPICS } from '@pgw/contracts';\nexport const y = TOPICS;\n";
    expect(boundaryErrors('libs/audit-server/src/zz.ts', code)).toHaveLength(0);
  });

  it('refuses the test kit in non-test source of a server lib', () => {
    const code = "import { MockUpstream } from '@pgw/testing';\nexport const y = MockUpstream;\n";
    expect(boundaryErrors('libs/gateway-server/src/zz.ts', code)).toHaveLength(1);
    expect(boundaryErrors('libs/gateway-server/src/zz.spec.ts', code)).toHaveLength(0);
    expect(boundaryErrors('libs/gateway-server/test/zz.int-spec.ts', code)).toHaveLength(0);
  });

  it('refuses the policy engine in contracts, audit and billing', () => {
    const code = "import { compilePolicy } from '@pgw/policy-engine';\nexport const y = compilePolicy;\n";
    expect(boundaryErrors('libs/contracts/src/zz.ts', code)).toHaveLength(1);
    expect(boundaryErrors('libs/audit-server/src/zz.ts', code).length).toBeGreaterThan(0);
    expect(boundaryErrors('libs/billing-server/src/zz.ts', code).length).toBeGreaterThan(0);
    expect(boundaryErrors('libs/gateway-server/src/zz.ts', code)).toHaveLength(0);
  });
});
