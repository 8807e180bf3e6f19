import { compilePolicy, tryCompilePolicy } from '../compile/compile-policy';
import { PolicyCompileError } from '../compile/policy-compile.error';
import { defaultPolicyConfig, samplePolicyConfig } from '../presets/default-policy';
import { validatePolicyConfig } from './validate-policy-config';

const rule = (extra: Record<string, unknown>) => ({
  id: 'r',
  category: 'pii.email',
  target: 'both',
  action: 'redact',
  ...extra,
});

describe('validatePolicyConfig', () => {
  it('accepts the presets', () => {
    expect(validatePolicyConfig(defaultPolicyConfig()).ok).toBe(true);
    expect(validatePolicyConfig(samplePolicyConfig).ok).toBe(true);
  });

  it('rejects unknown and wrong fields with the path of the field', () => {
    const result = validatePolicyConfig({
      version: 1,
      rules: [
        rule({}),
        rule({ id: 'b' }),
        rule({ id: 'c' }),
        rule({ id: 'd', action: 'explode', colour: 'red' }),
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { path: 'rules[3].action', message: expect.stringContaining('block, redact, flag') },
        { path: 'rules[3].colour', message: 'property colour should not exist' },
      ]),
    );
  });

  it('checks nested objects and the root', () => {
    const result = validatePolicyConfig({ version: 2, rollout: { mode: 'canary' }, rules: [], extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['version', 'rollout.percentage', 'extra']));
    expect(validatePolicyConfig('nope')).toEqual({
      ok: false,
      errors: [{ path: '', message: 'a policy must be a JSON object' }],
    });
  });

  it('rejects fields that do not apply to the category, duplicate ids and unknown categories', () => {
    const result = validatePolicyConfig({
      version: 1,
      rules: [
        rule({ terms: ['x'] }),
        rule({}),
        { id: 'i', category: 'injection.override', target: 'input', action: 'redact', weights: { nope: 1 } },
        { id: 'k', category: 'pii.passport', target: 'input', action: 'flag' },
        { id: 'd', category: 'denylist.words', target: 'input', action: 'flag' },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['rules[3].category']));
    const semantic = validatePolicyConfig({
      version: 1,
      rules: [
        rule({ terms: ['x'] }),
        rule({}),
        { id: 'i', category: 'injection.override', target: 'input', action: 'redact', weights: { nope: 1 } },
        { id: 'd', category: 'denylist.words', target: 'input', action: 'flag' },
      ],
    });
    expect(semantic.ok).toBe(false);
    if (semantic.ok) return;
    expect(semantic.errors.map((e) => e.path)).toEqual([
      'rules[0].terms',
      'rules[1].id',
      'rules[2].action',
      'rules[2].weights.nope',
      'rules[3].terms',
    ]);
  });
});

describe('compilePolicy', () => {
  const regexRule = (pattern: string, extra: Record<string, unknown> = {}) => ({
    version: 1,
    rules: [{ id: 'x', category: 'regex.x', target: 'output', action: 'redact', pattern, ...extra }],
  });

  it.each(['(a+)+', '(a|a)*', '(\\w+\\s?)+b', '([a-z]+[.-]?)*@', '(x|xy){2,20}'])(
    'refuses catastrophic backtracking: %s',
    (p) => {
      expect(() => compilePolicy(regexRule(p))).toThrow(/rules\[0\]\.pattern: unsafe regular expression/);
    },
  );

  it.each(['.*secret', 'token=\\w+', 'a{3,}'])('refuses unbounded patterns on streamed output: %s', (p) => {
    expect(() => compilePolicy(regexRule(p))).toThrow(/no bound on match length/);
    expect(() => compilePolicy({ ...regexRule(p), streaming: { mode: 'buffer' } })).not.toThrow();
    const inputOnly = regexRule(p);
    inputOnly.rules[0].target = 'input';
    expect(() => compilePolicy(inputOnly)).not.toThrow();
  });

  it('derives the max match length and checks a declared one', () => {
    expect(compilePolicy(regexRule('INC-\\d{6,8}', { maxLength: 12 })).maxMatchLength).toBe(13);
    expect(() => compilePolicy(regexRule('INC-\\d{6,8}', { maxLength: 8 }))).toThrow(
      /up to 12 characters but maxLength is 8/,
    );
  });

  it('reports invalid and unsupported regexes, and empty matches', () => {
    expect(() => compilePolicy(regexRule('(abc'))).toThrow(/invalid regular expression/);
    expect(() => compilePolicy(regexRule('(a)\\1'))).toThrow(/back-references/);
    expect(() => compilePolicy(regexRule('a?'))).toThrow(/empty string/);
  });

  it('throws PolicyCompileError with path and list; tryCompilePolicy returns them', () => {
    try {
      compilePolicy({ version: 1, rules: [rule({ action: 'nope' })] });
      throw new Error('expected a compile error');
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyCompileError);
      expect((e as PolicyCompileError).path).toBe('rules[0].action');
    }
    const result = tryCompilePolicy(regexRule('(a+)+'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].path).toBe('rules[0].pattern');
  });

  it('compiles an immutable policy', () => {
    const policy = compilePolicy(samplePolicyConfig);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(policy.rolloutMode).toBe('canary');
    expect(policy.categories).toContain('denylist.competitors');
  });
});
