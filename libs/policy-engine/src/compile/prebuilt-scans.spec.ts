import { compilePolicy } from './compile-policy';
import type { PolicyConfigInput } from '../schema/policy-config.types';

// Rules limited to roles give a target several plans, each with its own scan: the tables a worker
// built must reach every one of them, not only the plan of texts without a role.
const config: PolicyConfigInput = {
  version: 1,
  rules: [
    { id: 'all', category: 'denylist.all', target: 'input', action: 'redact', terms: ['alpha', 'beta'] },
    {
      id: 'tool',
      category: 'denylist.tool',
      target: 'input',
      action: 'block',
      terms: ['gamma'],
      roles: ['tool'],
    },
    {
      id: 'sys',
      category: 'denylist.sys',
      target: 'both',
      action: 'redact',
      terms: ['delta'],
      roles: ['system'],
    },
    { id: 'mail', category: 'pii.email', target: 'output', action: 'redact' },
  ],
};

describe('prebuilt scans with per-role plans', () => {
  it("lists one table per plan's rule set, and a compile with them adopts every one", () => {
    const built = compilePolicy(config).scanTables();
    const keys = Object.keys(built);
    // input: the role-less plan, tool's, system's and the plan of the other roles; output: two.
    expect(keys.filter((k) => k.startsWith('input|')).length).toBeGreaterThanOrEqual(3);
    expect(keys.filter((k) => k.startsWith('output|')).length).toBeGreaterThanOrEqual(2);

    const adopted = compilePolicy(config, { prebuiltScans: built }).scanTables();
    expect(Object.keys(adopted).sort()).toEqual([...keys].sort());
    // Adopted tables are the very arrays handed in (nothing rebuilt).
    for (const key of keys) expect(adopted[key].owners).toBe(built[key].owners);
  });

  it('judges every role the same with adopted tables as with its own', () => {
    const own = compilePolicy(config);
    const adopted = compilePolicy(config, { prebuiltScans: own.scanTables() });
    const segments = [
      { text: 'alpha and delta', role: 'system' as const },
      { text: 'beta only', role: 'user' as const },
      { text: 'gamma from a tool', role: 'tool' as const },
    ];
    for (const policy of [own, adopted]) {
      const result = policy.evaluateSegments(segments, { target: 'input' });
      expect(result.metadata.decision).toBe('block');
      expect(result.metadata.triggered_categories).toEqual(['denylist.all', 'denylist.sys', 'denylist.tool']);
    }
    const userOnly = [{ text: 'gamma and delta from a user', role: 'user' as const }];
    expect(adopted.evaluateSegments(userOnly, { target: 'input' }).metadata.decision).toBe('allow');
  });

  it('refuses tables of another rule set (the scan builds its own)', () => {
    const other = compilePolicy({
      version: 1,
      rules: [{ id: 'x', category: 'denylist.x', target: 'input', action: 'block', terms: ['zeta'] }],
    }).scanTables();
    const mixed = Object.fromEntries(
      Object.keys(compilePolicy(config).scanTables()).map((k) => [k, Object.values(other)[0]]),
    );
    const policy = compilePolicy(config, { prebuiltScans: mixed });
    expect(
      policy.evaluateSegments([{ text: 'gamma', role: 'tool' }], { target: 'input' }).metadata.decision,
    ).toBe('block');
    expect(
      policy.evaluateSegments([{ text: 'zeta', role: 'tool' }], { target: 'input' }).metadata.decision,
    ).toBe('allow');
  });
});
