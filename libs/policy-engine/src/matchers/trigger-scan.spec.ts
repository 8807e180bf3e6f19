import fc from 'fast-check';
import { compilePolicy } from '../compile/compile-policy';
import { analyzeRegex, parseRegex } from '../compile/regex-analysis';
import { toLinearSource } from '../compile/regex-linear-source';
import { ASCII_WORD } from '../normalize/char-tables';
import { type DetectorDef, type MatchOut, ScanMemo } from '../detectors/detector.types';
import { PII_DETECTORS } from '../detectors/pii.detectors';
import { SECRET_DETECTORS } from '../detectors/secret.detectors';
import { PROVIDER_TOKEN_DETECTORS } from '../detectors/secret/provider-tokens.detectors';
import { defaultPolicyConfig } from '../presets/default-policy';
import { DetectorGroupMatcher } from './detector-group.matcher';
import type { Candidate } from './matcher.types';
import { RegexGroupMatcher, type RegexSpec } from './regex-group.matcher';
import { RegexMatcher } from './regex.matcher';
import { SharedScan } from './shared-scan';

// The detector group only attempts detectors around trigger characters (digits, '@', ':', '=', rare
// pairs of key prefixes); these tests hold it to the plain definition: try every detector at every
// position (start character, word boundary, second character, quick check, match).
// More detectors than one group holds: the properties run per group-sized chunk (the built-in ones and PII
// first, then the provider tokens), as the compiler splits them.
const ALL: readonly DetectorDef[] = [
  ...SECRET_DETECTORS.filter((d) => !PROVIDER_TOKEN_DETECTORS.includes(d)),
  ...PII_DETECTORS,
  ...PROVIDER_TOKEN_DETECTORS,
];
const CHUNKS: readonly (readonly DetectorDef[])[] = Array.from(
  { length: Math.ceil(ALL.length / DetectorGroupMatcher.MAX) },
  (_v, i) => ALL.slice(i * DetectorGroupMatcher.MAX, (i + 1) * DetectorGroupMatcher.MAX),
);
let DETECTORS: readonly DetectorDef[] = CHUNKS[0];

function naiveFindNext(text: string, from: number): Candidate | null {
  const out: MatchOut = { start: 0, end: 0, redactStart: 0, redactEnd: 0 };
  const memo = new ScanMemo();
  memo.reset(text);
  let best: Candidate | null = null;
  for (let p = 0; p < text.length; p++) {
    DETECTORS.forEach((def, k) => {
      const c = text.charCodeAt(p);
      if (c >= 128 || def.start[c] !== 1) return;
      if (p > 0 && ASCII_WORD[text.charCodeAt(p - 1)] === 1) return;
      const c2 = p + 1 < text.length ? text.charCodeAt(p + 1) : 0;
      if (def.second !== undefined && (c2 >= 128 || def.second[c2] !== 1)) return;
      if (def.quick !== undefined && !def.quick(text, p, memo)) return;
      if (!def.match(text, p, out) || out.start < from) return;
      const len = out.end - out.start;
      const generic = def.id === 'generic_assignment';
      if (
        best === null ||
        out.start < best.start ||
        (out.start === best.start && best.generic === true && !generic) ||
        (out.start === best.start &&
          best.generic === generic &&
          (len > best.end - best.start || (len === best.end - best.start && k < best.priority)))
      ) {
        best = {
          start: out.start,
          end: out.end,
          redactStart: out.redactStart,
          redactEnd: out.redactEnd,
          rule: k,
          priority: k,
          generic,
        };
      }
    });
  }
  return best;
}

/** The window walk every detector's pendingFrom did before the assignment detectors got a shortcut. */
function naivePendingFrom(text: string, from: number): number {
  const n = text.length;
  let result = n;
  for (const def of DETECTORS) {
    const lo = Math.max(from - (def.backReach ?? 0), n - (def.maxLength + def.lookahead) + 1, 0);
    let q = Math.min(n - def.lookahead, n - 1);
    while (q >= lo && def.token[text.charCodeAt(q)] === 1) q--;
    for (let p = Math.max(lo, q + 1); p < result; p++) {
      const c = text.charCodeAt(p);
      if (c >= 128 || def.start[c] !== 1) continue;
      if (p > 0 && ASCII_WORD[text.charCodeAt(p - 1)] === 1) continue;
      if (def.viablePrefix !== undefined && !def.viablePrefix(text, p)) continue;
      result = p;
      break;
    }
  }
  return result;
}

const PIECES = [
  'jane.doe@example.com',
  'x@',
  '@',
  'a@b.co',
  '(555) 123-4567',
  '+44 20 7946 0958',
  '+1 800 555 0199',
  '4111 1111 1111 1111',
  '4111-1111-1111-1111',
  '378282246310005',
  '123-45-6789',
  'DE89 3704 0044 0532 0130 00',
  'GB82WEST12345698765432',
  'AB12',
  '192.168.1.10',
  '10.0.0.1.',
  '2001:db8::8a2e:370:7334',
  'fe80::1%eth0',
  '::1',
  '::',
  '/24',
  '/9999',
  '%eth0',
  '10.0.0.0',
  '090 532 123 45 67',
  '0532 123 45 67',
  '13812345678',
  '078.05.1123',
  '078051121',
  'LY83002048000020100120361',
  'x@xn--p1ai',
  'https://hooks.slack.com/services/T02ABCD1234/B03EFGH5678/abcdEFGHijklMNOPqrstUVWX',
  'hooks.slack.com/',
  'xapp-1-A0123456789-1234567890123-0123456789abcdef',
  'xoxe.xoxp-1-abc123DEF456ghi789',
  'sk_prod_4eC39HqLyjWDarjtT1zdp7dc',
  'glpat-Ab3dEf6hIj9kLm2nOp5q',
  'glpat-',
  'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
  'ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUl4TWpNME5UWTNPRGt3SW4wLmRvempnTnJ5UDRKM2pWbU5IbDB3NU5fWGdMMG4zSTlQbEZVUDBUSHNSOFU=',
  'ABSK',
  'SG.',
  'hf_',
  'key-0123456789abcdef0123456789abcdef',
  '?=',
  '.=',
  '::=',
  '[]',
  '["secret"]',
  '<password>',
  '</password>',
  '@"',
  ': string = ',
  'abcd:',
  ':',
  '=',
  ': ',
  ' = ',
  '=>',
  'password',
  'pass',
  'api_key',
  'db.password: "S3cr3t!x"',
  'token=abc123XYZ',
  'aws_secret_access_key = Xz4pQ9vL2mN8bR7tK1wY6sD3fG0hJ5cV8aE2uI9o',
  '"AWS secret access key": "Xz4pQ9vL2mN8bR7tK1wY6sD3fG0hJ5cV8aE2uI9o"',
  'aws',
  'AWS',
  'secret',
  'sk-proj-abc123DEF456ghi789JKL012mno',
  'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123',
  'sk_live_abcdef1234567890',
  'AKIALALEMEL33243OLIA',
  'ASIA',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
  'xoxb-123456789012-abcdefABCDEF',
  'AIzaSyA1234567890abcdefghijklmnopqrstuv',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
  '-----BEGIN ',
  'the',
  ' ',
  '  ',
  '\n',
  '.',
  ',',
  '-',
  '_',
  '+',
  '(',
  ')',
  '"',
  "'",
  '1',
  '12',
  '123',
  '0',
  'e',
  'é',
  'k-',
  'x',
  'A',
  'Z9',
  'Note:',
];
const textArb = fc.array(fc.constantFrom(...PIECES), { maxLength: 25 }).map((p) => p.join(''));

describe.each(CHUNKS.map((chunk, i) => [i, chunk] as const))(
  'trigger-driven detector scan, chunk %i',
  (_i, chunk) => {
    const group = new DetectorGroupMatcher(
      chunk.map((def, k) => ({ def, rule: k, priority: k })),
      new SharedScan(),
    );
    beforeEach(() => {
      DETECTORS = chunk;
    });

    it('finds exactly what trying every detector at every position finds', () => {
      fc.assert(
        fc.property(textArb, fc.nat(), (text, f) => {
          const from = text.length === 0 ? 0 : f % (text.length + 1);
          expect(group.findNext(text, from)).toEqual(naiveFindNext(text, from));
        }),
        { numRuns: 1500 },
      );
    });

    it('reports the same pending position as the full window walk', () => {
      fc.assert(
        fc.property(textArb, fc.nat(), (text, f) => {
          const from = text.length === 0 ? 0 : f % (text.length + 1);
          expect(group.pendingFrom(text, from)).toBe(naivePendingFrom(text, from));
        }),
        { numRuns: 3000 },
      );
      // Searches near the end, as a stream's lanes make them (the shared-walk path, see CutWalk).
      fc.assert(
        fc.property(textArb, fc.nat({ max: 12 }), (text, back) => {
          const from = Math.max(0, text.length - back);
          expect(group.pendingFrom(text, from)).toBe(naivePendingFrom(text, from));
        }),
        { numRuns: 3000 },
      );
      // Found by the property above: a 91-character identifier before '=' is still a viable assignment.
      const long =
        '4111 1111 1111 1111github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz10.0.0.1.aws_secret_access_key = Xz4pQ9vL2mN8bR7tK1wY6sD3fG0hJ5cV8aE2uI9o';
      expect(group.pendingFrom(long, 0)).toBe(naivePendingFrom(long, 0));
    });
  },
);

describe('combined user regexes', () => {
  const sources = [
    'INC-\\d{6,8}',
    'INC-\\d{6}',
    '[A-Z]{3}-\\d{2,4}',
    'ab|abc',
    '(?<![a-z])x{2,3}',
    'TKT#\\d{5,7}',
    'internal-[a-z]{3,10}',
    'x{2}\\b',
  ];
  // Real shapes (first characters, token characters, window, look-ahead), as the compiler derives them.
  const specs: RegexSpec[] = sources.map((source, k) => {
    const a = analyzeRegex(source, '');
    return {
      source: toLinearSource(parseRegex(source, '')),
      rule: k,
      priority: 10 - k,
      shape: { window: a.maxLength + a.lookahead, lookahead: a.lookahead, first: a.first, token: a.token },
    };
  });
  const [combined] = RegexGroupMatcher.build(specs);
  const singles = specs.map((s) => new RegexMatcher(s.source, s.rule, s.priority, s.shape));
  const text = fc
    .array(
      fc.constantFrom('INC-', '1234567', '12', 'ABC-', 'abc', 'ab', 'xx', 'xxxx', 'axx', 'TKT#', ' ', '-'),
      { maxLength: 20 },
    )
    .map((p) => p.join(''));

  it('is one matcher that agrees with running each regex on its own (leftmost, longest, priority)', () => {
    expect(combined).toBeInstanceOf(RegexGroupMatcher);
    fc.assert(
      fc.property(text, fc.nat(), (t, f) => {
        const from = f % (t.length + 1);
        let best: Candidate | null = null;
        for (const m of singles) {
          const c = m.findNext(t, from);
          if (c === null) continue;
          const better =
            best === null ||
            c.start < best.start ||
            (c.start === best.start &&
              (c.end > best.end || (c.end === best.end && c.priority < best.priority)));
          if (better) best = c;
        }
        expect(combined.findNext(t, from)).toEqual(best);
        expect(combined.pendingFrom(t, from)).toBe(
          Math.min(t.length, ...singles.map((m) => m.pendingFrom(t, from))),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('reports the same pending position for searches near the text end', () => {
    // Searches near the end, as stream lanes make them (the shared-walk path, see CutWalk).
    const long = [
      'INC-\\d{6,8}',
      'TKT#\\d{5,7}',
      'internal-[a-z]{3,10}',
      '[A-Z]{3}-\\d{2,4}\\b',
      'ab c{8}',
    ].map((source, k): RegexSpec => {
      const a = analyzeRegex(source, '');
      return {
        source: toLinearSource(parseRegex(source, '')),
        rule: k,
        priority: k,
        shape: { window: a.maxLength + a.lookahead, lookahead: a.lookahead, first: a.first, token: a.token },
      };
    });
    const [group] = RegexGroupMatcher.build(long);
    const alone = long.map((s) => new RegexMatcher(s.source, s.rule, s.priority, s.shape));
    const pieces = fc.constantFrom(
      'INC-',
      '123',
      '1',
      'ABC-',
      'AB',
      'internal-',
      'abc',
      'ab c',
      'cc',
      'TKT#',
      ' ',
      '-',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), fc.nat({ max: 12 }), (parts, back) => {
        const t = parts.join('');
        const from = Math.max(0, t.length - back);
        expect(group.pendingFrom(t, from)).toBe(
          Math.min(t.length, ...alone.map((m) => m.pendingFrom(t, from))),
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('shared scan cache', () => {
  it('gives the same result when plans and texts interleave', () => {
    const policy = compilePolicy({
      ...defaultPolicyConfig(),
      rules: [
        ...defaultPolicyConfig().rules,
        { id: 'd', category: 'denylist.words', target: 'both', action: 'redact', terms: ['globex'] },
      ],
    });
    const a = 'mail jane.doe@example.com about Globex, key AKIALALEMEL33243OLIA';
    const b = 'nothing here at all, just prose about nothing in particular';
    const first = policy.evaluate(a, { target: 'input' });
    policy.evaluate(b, { target: 'output' });
    policy.evaluate(b.repeat(3), { target: 'input' });
    expect(policy.evaluate(a, { target: 'input' })).toEqual(first);
    expect(first.text).toBe('mail [REDACTED:EMAIL] about [REDACTED:WORDS], key [REDACTED:AWS_ACCESS_KEY]');
  });
});
