// Policy engine throughput and latency. Prints a table; never part of the test verdict.
// Run: node bench/policy-engine/run.cjs bench/policy-engine/engine.bench.ts [--quick]
import {
  compilePolicy,
  defaultPolicyConfig,
  type PolicyConfigInput,
  type PolicyRuleInput,
} from '@pgw/policy-engine';

const quick = process.argv.includes('--quick');
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
  'AKIAIOSFODNN7EXAMPLE',
  'server 10.0.0.12',
  'password: S3cr3t!x',
  'IBAN DE89 3704 0044 0532 0130 00',
];

/** Prompt-like prose: sentences, some numbers and colons, about one entity per 2 KB. */
function makeText(size: number): string {
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

function bigConfig(): PolicyConfigInput {
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

if (process.argv.includes('--probe')) {
  // Quick single-call timings, for finding regressions.
  let t0 = performance.now();
  const policy = compilePolicy(process.argv.includes('--big') ? bigConfig() : defaultPolicyConfig());
  console.log('compile ms', (performance.now() - t0).toFixed(1));
  for (const size of [1024, 8192, 32768, 131072, 1 << 20]) {
    const text = makeText(size);
    t0 = performance.now();
    policy.evaluate(text, { target: 'input' });
    console.log(size, 'ms', (performance.now() - t0).toFixed(1));
  }
  process.exit(0);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Times `fn` repeatedly for about `budgetMs`; returns per-call microseconds. */
function sample(fn: () => void, budgetMs: number, minRuns: number): number[] {
  const times: number[] = [];
  const stop = performance.now() + budgetMs;
  while (times.length < minRuns || performance.now() < stop) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return times;
}

/** A plain character loop over the same text: a yardstick for how fast this machine is right now. */
function referenceLoop(text: string): number {
  let x = 0;
  for (let i = 0; i < text.length; i++) x = (x + text.charCodeAt(i)) | 0;
  return x;
}

const configs = [
  { name: '(a) all detectors', policy: compilePolicy(defaultPolicyConfig()) },
  { name: '(b) + 10k terms + 20 regexes', policy: compilePolicy(bigConfig()) },
];
const sizes = [
  { label: '1 KB', text: makeText(1024) },
  { label: '32 KB', text: makeText(32 * 1024) },
  { label: '1 MB', text: makeText(1024 * 1024) },
];
const rounds = quick ? 1 : 3;
const budget = quick ? 150 : 400;

// Interleaved rounds (A B A B) so both configurations see the same machine drift.
const results = new Map<string, number[]>();
const refResults = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const size of sizes) {
    const ref = sample(() => referenceLoop(size.text), budget / 4, 5);
    refResults.set(size.label, [...(refResults.get(size.label) ?? []), ...ref]);
    for (const c of configs) {
      const key = `${c.name}|${size.label}`;
      const times = sample(() => c.policy.evaluate(size.text, { target: 'input' }), budget, 5);
      results.set(key, [...(results.get(key) ?? []), ...times]);
    }
  }
}

console.log(
  `policy engine bench (node ${process.version}, ${rounds} interleaved rounds, target: input, all detectors incl. injection)\n`,
);
console.log('| config | text | median µs | p99 µs | MB/s (median) | char-loop MB/s |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const c of configs) {
  for (const size of sizes) {
    const times = (results.get(`${c.name}|${size.label}`) ?? []).sort((a, b) => a - b);
    const ref = (refResults.get(size.label) ?? []).sort((a, b) => a - b);
    const median = quantile(times, 0.5);
    const mbs = size.text.length / median;
    const refMbs = size.text.length / quantile(ref, 0.5);
    console.log(
      `| ${c.name} | ${size.label} | ${median.toFixed(1)} | ${quantile(times, 0.99).toFixed(1)} | ${mbs.toFixed(0)} | ${refMbs.toFixed(0)} |`,
    );
  }
}

// Streaming: push 20-character chunks of a 32 KB completion; cost per push (includes the text returned).
console.log(
  '\n| config | streaming, 20-char chunks | median µs/push | p99 µs/push | whole-text µs/20 chars |',
);
console.log('| --- | --- | ---: | ---: | ---: |');
const streamText = makeText(32 * 1024);
for (const c of configs) {
  const perPush: number[] = [];
  for (let r = 0; r < (quick ? 2 : 6); r++) {
    const redactor = c.policy.createStreamRedactor({ target: 'output' });
    for (let i = 0; i < streamText.length; i += 20) {
      const chunk = streamText.slice(i, i + 20);
      const t0 = process.hrtime.bigint();
      redactor.push(chunk);
      perPush.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    redactor.end();
  }
  perPush.sort((a, b) => a - b);
  const whole = sample(() => c.policy.evaluate(streamText, { target: 'output' }), budget, 5).sort(
    (a, b) => a - b,
  );
  const wholePer20 = (quantile(whole, 0.5) / streamText.length) * 20;
  console.log(
    `| ${c.name} | 32 KB | ${quantile(perPush, 0.5).toFixed(2)} | ${quantile(perPush, 0.99).toFixed(2)} | ${wholePer20.toFixed(2)} |`,
  );
}
console.log(
  '\nmaxMatchLength (output): ' + configs.map((c) => `${c.name}: ${c.policy.maxMatchLength}`).join(', '),
);
