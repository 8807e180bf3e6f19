// Deterministic workload shared by the policy engine benchmarks: prompt-like prose with a few entities, and
// the "all detectors + 10,000 denylist terms + 20 regexes" policy.
import { defaultPolicyConfig, type PolicyConfigInput, type PolicyRuleInput } from '@pgw/policy-engine';

// mulberry32: deterministic, full-period (a float LCG would fall into short cycles).
let seed = 7;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an have not which but ' +
  'data model user request response service system function value error config deploy cluster ' +
  'please could you help me write summary explain code review customer account order invoice report ' +
  'performance latency throughput memory network database query index table column schema migration'
).split(' ');
const ENTITIES = [
  'jane.doe@example.com',
  'call (555) 123-4567',
  'card 4111 1111 1111 1111',
  'key sk-proj-abc123DEF456ghi789JKL012mno',
  'AKIALALEMEL33243OLIA',
  'server 10.0.0.12',
  'password: S3cr3t!x',
  'IBAN DE89 3704 0044 0532 0130 00',
];

/** Prompt-like prose: sentences, some numbers and colons, about one entity per 2 KB. */
export function makeText(size: number): string {
  let s = '';
  while (s.length < size) {
    const n = 6 + Math.floor(rnd() * 14);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(rnd() < 0.03 ? String(Math.floor(rnd() * 10000)) : pick(WORDS));
    let sentence = words.join(' ');
    sentence = sentence[0].toUpperCase() + sentence.slice(1);
    if (rnd() < 0.1) sentence = 'Note: ' + sentence;
    if (rnd() < 0.06) sentence += ' ' + pick(ENTITIES);
    s += sentence + (rnd() < 0.15 ? '.\n' : '. ');
  }
  return s.slice(0, size);
}

function pseudoWord(): string {
  const syllables = [
    'ka',
    'zor',
    'mip',
    'tel',
    'vun',
    'dra',
    'quo',
    'bex',
    'lin',
    'fro',
    'gash',
    'yel',
    'nup',
    'wix',
  ];
  let w = '';
  const n = 2 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) w += pick(syllables);
  return w;
}

export function bigConfig(): PolicyConfigInput {
  const base = defaultPolicyConfig();
  const terms = new Set<string>();
  while (terms.size < 10_000) terms.add(rnd() < 0.2 ? `${pseudoWord()} ${pseudoWord()}` : pseudoWord());
  const patterns = [
    'INC-\\d{6,8}',
    'PROJ-[A-Z]{3}-\\d{4}',
    'EMP\\d{6}',
    'ACCT-\\d{10}',
    'SKU-[A-Z0-9]{8}',
    'TKT#\\d{5,7}',
    'CASE-\\d{4}-\\d{4}',
    'BATCH_[0-9]{6}',
    'REF:[A-Z]{2}\\d{8}',
    'LOT-\\d{3}[A-Z]',
    'POL-\\d{9}',
    'CLM\\d{7}',
    'VIN[A-HJ-NPR-Z0-9]{14}',
    'MRN-\\d{8}',
    'NPI\\d{10}',
    'DEA[A-Z]{2}\\d{7}',
    'CONF-[A-Z0-9]{6}',
    'PO-\\d{5,6}',
    'BLD-\\d{4}',
    'internal-only-[a-z]{3,10}',
  ];
  const rules: PolicyRuleInput[] = [
    ...base.rules,
    { id: 'big-denylist', category: 'denylist.big', target: 'both', action: 'redact', terms: [...terms] },
    ...patterns.map((pattern, i): PolicyRuleInput => ({
      id: `re-${i}`,
      category: `regex.r${i}`,
      target: 'both',
      action: 'redact',
      pattern,
      caseSensitive: true,
    })),
  ];
  return { ...base, rules };
}

/** What a stream push needs of a compiled policy (the checkout's engine or another revision's copy). */
interface StreamingPolicy {
  createStreamRedactor(options: { target: 'output' }): { push(chunk: string): string; end(): string };
}

/** µs per push of 20-character chunks of `text`, over `streams` fresh output stream redactors in a row. */
export function streamPushes(policy: StreamingPolicy, text: string, streams: number): number[] {
  const perPush: number[] = [];
  for (let k = 0; k < streams; k++) {
    const redactor = policy.createStreamRedactor({ target: 'output' });
    for (let i = 0; i < text.length; i += 20) {
      const chunk = text.slice(i, i + 20);
      const t0 = process.hrtime.bigint();
      redactor.push(chunk);
      perPush.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    redactor.end();
  }
  return perPush;
}
