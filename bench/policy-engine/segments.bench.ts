// What judging a request's texts together costs (CompiledPolicy.evaluateSegments) against judging each
// text alone (what the gateway did before: one evaluate per text), default policy (every detector and the
// injection rules), target input. Interleaved rounds; prints a table; never part of the test verdict.
// Run: node bench/policy-engine/run.cjs bench/policy-engine/segments.bench.ts [--quick]
import { compilePolicy, defaultPolicyConfig, type TextSegment } from '@pgw/policy-engine';
import { makeText } from './workload';

const quick = process.argv.includes('--quick');
const policy = compilePolicy(defaultPolicyConfig());
const input = { target: 'input' } as const;

const roles = ['user', 'assistant'] as const;
/** `count` messages of about `size` characters, alternating user and assistant. */
function chat(count: number, size: number, ending = ''): TextSegment[] {
  return Array.from({ length: count }, (_v, i) => ({
    role: roles[i % 2],
    text: makeText(size - ending.length).trimEnd() + ending,
  }));
}

const cases: { label: string; segments: TextSegment[] }[] = [
  { label: '1 message of 1 KB', segments: chat(1, 1024) },
  { label: '8 messages of 128 B (prose)', segments: chat(8, 128) },
  { label: '4 messages of 1 KB (prose)', segments: chat(4, 1024) },
  // Every message ends inside something a detector could still be reading (digits, a key prefix): the
  // boundary scan runs at every joint.
  { label: '8 messages of 128 B, open ends', segments: chat(8, 128, ' call 415 555') },
  { label: '8 messages of 128 B, key cut', segments: chat(8, 128, ' sk-proj-Ab3dEf6hIj') },
  {
    label: 'tool result 4 KB after a question',
    segments: [
      { role: 'user', text: 'Summarise this page for me.' },
      { role: 'tool', text: makeText(4096) },
    ],
  },
];

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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const rounds = quick ? 1 : 3;
const budget = quick ? 150 : 400;
const alone = new Map<string, number[]>();
const together = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const each = () => {
      for (const s of c.segments) policy.evaluate(s.text, { ...input, role: s.role });
    };
    const all = () => policy.evaluateSegments(c.segments, input);
    // Alternate which runs first in a round.
    const order = r % 2 === 0 ? [each, all] : [all, each];
    for (const fn of order) {
      const m = median(sample(fn, budget, 5));
      const into = fn === each ? alone : together;
      into.set(c.label, [...(into.get(c.label) ?? []), m]);
    }
  }
}

console.log(
  `evaluateSegments vs one evaluate per text (node ${process.version}, default policy, ${rounds} interleaved rounds, median of round medians)\n`,
);
console.log('| request | chars | each alone µs | together µs | ratio |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const c of cases) {
  const a = median(alone.get(c.label) ?? []);
  const t = median(together.get(c.label) ?? []);
  const chars = c.segments.reduce((n, s) => n + s.text.length, 0);
  console.log(`| ${c.label} | ${chars} | ${a.toFixed(1)} | ${t.toFixed(1)} | ${(t / a).toFixed(2)}x |`);
}
