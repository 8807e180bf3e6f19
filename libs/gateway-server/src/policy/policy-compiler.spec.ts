import type { PolicyStateRecord } from '@pgw/contracts';
import { defaultPolicyConfig } from '@pgw/policy-engine';
import { PolicyCompiler } from './policy-engine.adapter';

const record = (projectId: string, overrides: Partial<PolicyStateRecord> = {}): PolicyStateRecord => ({
  project_id: projectId,
  policy_id: `${projectId}.r1`,
  revision: 1,
  rollout_mode: 'enforce',
  canary_percent: 0,
  config: defaultPolicyConfig(),
  activated_at: new Date().toISOString(),
  ...overrides,
});

describe('PolicyCompiler', () => {
  it('compiles a config once for every project on it (each project keeps its own policy id)', () => {
    const compiler = new PolicyCompiler();
    expect(compiler.isCompiled(record('pb'))).toBe(false);
    const a = compiler.compile(record('pa'));
    expect(compiler.isCompiled(record('pb'))).toBe(true);
    const b = compiler.compile(record('pb'));
    expect([a.policyId, b.policyId]).toEqual(['pa.r1', 'pb.r1']);
    expect(
      b.evaluate([{ text: 'mail alice.wonder@example.com', role: 'user' }], 'input', 'u').texts[0],
    ).not.toContain('alice.wonder');
    // Another rollout is another engine config.
    expect(compiler.isCompiled(record('pc', { rollout_mode: 'shadow' }))).toBe(false);
  });
});
