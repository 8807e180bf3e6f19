import fc from 'fast-check';
import { compilePolicy } from '../compile/compile-policy';
import { analyzeRegex, parseRegex } from '../compile/regex-analysis';
import { toLinearSource } from '../compile/regex-linear-source';
import { MatchBudget, MatchBudgetExceededError, withMatchBudget } from '../scan/match-budget';
import { LinearRegex } from './linear-regex';

const MB = 1 << 20;
const linear = (source: string, flags = ''): LinearRegex =>
  new LinearRegex(toLinearSource(parseRegex(source, flags)));

// Classic catastrophic-backtracking families, each with the 1 MB text that makes a backtracking engine
// explode (nested, adjacent and alternated quantifiers, bounded and unbounded).
const FAMILIES: readonly [string, string, string][] = [
  // pattern, 1 MB text without a match, a tail that makes one
  ['(a+)+$', 'a'.repeat(MB) + '!', 'a'],
  ['(a*)*b', 'a'.repeat(MB), 'b'],
  ['(a|a)*b', 'a'.repeat(MB), 'b'],
  ['(a|ab)*c', 'ab'.repeat(MB / 2), 'c'],
  ['(\\w+\\s?)+$', 'word '.repeat(MB / 5) + '!', ' end'],
  ['(x+x+)+y', 'x'.repeat(MB), 'y'],
  ['\\d+\\d+X', '1'.repeat(MB), 'X'],
  ['\\w+\\w+\\w+!', 'a'.repeat(MB), '!'],
  ['.*.*=.*;', 'x='.repeat(MB / 2), ';'],
  ['\\d{1,20}\\s?\\d{1,20}\\s?\\d{1,20}X', '1 '.repeat(MB / 2), '1X'],
  ['[a-z]{1,50}[a-z]{1,50}[a-z]{1,50}Z', 'a'.repeat(MB), 'Z'],
  ['(a{1,10}){1,10}b', 'a'.repeat(MB), 'b'],
  ['(?:a|aa|aaa){2,30}b', 'a'.repeat(MB), 'b'],
];

describe('linear-time regex matching (ReDoS families at 1 MB)', () => {
  it.each(FAMILIES)(
    '%s: one pass over 1 MB without a match, a bounded number with one at the end',
    (source, text, tail) => {
      const re = linear(source);
      const miss = new MatchBudget(Infinity);
      expect(withMatchBudget(miss, () => re.find(text, 0))).toBeNull();
      // The work counter: a failed search is at most two DFA passes over the text, whatever the pattern.
      expect(miss.used).toBeLessThanOrEqual(2 * text.length);
      // With a match at the end it is found. Where the DFA gives up (large programs over long runs of
      // candidate characters) RE2 falls back to its NFA, linear but ~programSize times slower: a shorter
      // text keeps this suite fast; the budget (charged per step) bounds it in production.
      const long = re.programSize > 100 ? text.slice(0, 64 * 1024) : text;
      const hit = new MatchBudget(Infinity);
      const found = withMatchBudget(hit, () => re.find(long + tail, 0));
      expect(found).not.toBeNull();
      expect(found?.end).toBe(long.length + tail.length);
    },
    60_000,
  );

  it("the issue's patterns on a policy: a 1 MB request is evaluated, and a match still found", () => {
    const policy = compilePolicy({
      version: 1,
      rules: [
        {
          id: 'a',
          category: 'regex.a',
          target: 'input',
          action: 'redact',
          pattern: '\\d{1,20}\\s?\\d{1,20}\\s?\\d{1,20}X',
        },
        {
          id: 'b',
          category: 'regex.b',
          target: 'input',
          action: 'block',
          pattern: '[a-z]{1,50}[a-z]{1,50}[a-z]{1,50}Z',
        },
      ],
    });
    const digits = '1 '.repeat(MB / 2);
    expect(policy.evaluate(digits, { target: 'input' }).metadata.decision).toBe('allow');
    const withHit = policy.evaluate(digits + '12 34 56X', { target: 'input' });
    expect(withHit.metadata.decision).toBe('redact');
    expect(withHit.text.endsWith('[REDACTED:A]')).toBe(true);
    expect(policy.evaluate('a'.repeat(MB) + 'Z', { target: 'input' }).metadata.decision).toBe('block');
  }, 60_000);
});

describe('matching work budget', () => {
  const policy = (budget: number) =>
    compilePolicy(
      {
        version: 1,
        rules: [
          { id: 'a', category: 'regex.a', target: 'both', action: 'redact', pattern: 'INC-\\d{6,8}' },
          { id: 'b', category: 'regex.b', target: 'both', action: 'redact', pattern: '[a-z]{2,9}\\d{3}' },
        ],
      },
      { matchBudget: budget },
    );

  it('fails the evaluation closed past the budget, with a coded error', () => {
    const text = 'ab123 '.repeat(20_000);
    expect(() => policy(50_000).evaluate(text, { target: 'input' })).toThrow(MatchBudgetExceededError);
    try {
      policy(50_000).evaluate(text, { target: 'input' });
    } catch (e) {
      expect((e as MatchBudgetExceededError).code).toBe('policy_match_budget_exceeded');
    }
    // The default budget is far above a 120 KB text's needs.
    expect(policy(64 * MB).evaluate(text, { target: 'input' }).metadata.decision).toBe('redact');
  });

  it('counts a whole stream against one budget', () => {
    const redactor = policy(20_000).createStreamRedactor({ target: 'output' });
    expect(() => {
      for (let i = 0; i < 5_000; i++) redactor.push('ab123 x ');
    }).toThrow(MatchBudgetExceededError);
  });
});

describe('linear engine semantics match JavaScript RegExp on the supported syntax', () => {
  const SOURCES: readonly [string, string][] = [
    ['INC-\\d{6,8}', ''],
    ['ab|abc', ''],
    ['a.{0,3}?c', ''],
    ['a.{0,3}c', ''],
    ['\\bx{2,3}\\b', ''],
    ['(?<![a-z])x{2}', ''],
    ['(?<=k)[^\\s-]{1,4}', ''],
    ['Secret[_-]?\\w{2}', 'i'],
    ['[A-Fa-f\\d]{2}(?:\\.[0-9]){1,2}', ''],
    ['^x|y$', ''],
  ];
  const text = fc
    .array(
      fc.constantFrom('a', 'b', 'c', 'x', 'k', 'y', 'INC-', '1234567', ' ', '-', '.', '\n', 'SECRET', 'é'),
      {
        maxLength: 16,
      },
    )
    .map((p) => p.join(''));

  it.each(SOURCES)('%s (flags %s)', (source, flags) => {
    const re = linear(source, flags);
    const native = new RegExp(source, flags + 'g');
    fc.assert(
      fc.property(text, fc.nat(), (t, f) => {
        const from = f % (t.length + 1);
        native.lastIndex = from;
        const m = native.exec(t);
        const expected = m === null ? null : { start: m.index, end: m.index + m[0].length };
        expect(re.find(t, from)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses what it cannot run in linear time', () => {
    expect(() => toLinearSource(parseRegex('a(?=b)', ''))).toThrow(/look-ahead/);
    expect(() => toLinearSource(parseRegex('(a)\\1', ''))).toThrow(/back-references/);
    expect(() => toLinearSource(parseRegex('a{2000}', ''))).toThrow(/above 1000/);
    expect(() => linear(Array.from({ length: 800 }, (_, i) => `w${i}xyzabc`).join('|'))).toThrow(/too large/);
  });

  it('matches a character beyond U+FFFF whole (two code units), and counts it so', () => {
    expect(linear('x.{1,2}y').find('x😀😀y', 0)).toEqual({ start: 0, end: 6 });
    expect(analyzeRegex('x.{1,2}y', '').maxLength).toBe(6);
  });
});
