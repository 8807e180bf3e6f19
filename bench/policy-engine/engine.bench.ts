// Policy engine throughput and latency. Prints a table; never part of the test verdict.
// Run: node bench/policy-engine/run.cjs bench/policy-engine/engine.bench.ts [--quick]
import { compilePolicy, defaultPolicyConfig } from '@pgw/policy-engine';
import { bigConfig, makeText, streamPushes } from './workload';

const quick = process.argv.includes('--quick');

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
// A push is small, so V8 only moves its functions to the optimising tier after some thousands of pushes
// (about 4 streams of this text): the first streams of a process run partly at interpreter speed. Each
// configuration therefore streams the text 2 x `streams` times: the median over the first half is the
// figure this bench printed before ("from cold", JIT warm-up included), the median over the second half is
// the steady state a long-running gateway sees.
console.log(
  '\n| config | streaming, 20-char chunks | median µs/push (steady) | p99 µs/push (steady) | median µs/push (from cold) | whole-text µs/20 chars |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
const streamText = makeText(32 * 1024);
const streams = quick ? 2 : 6;
for (const c of configs) {
  const cold = streamPushes(c.policy, streamText, streams);
  const steady = streamPushes(c.policy, streamText, streams);
  cold.sort((a, b) => a - b);
  steady.sort((a, b) => a - b);
  const whole = sample(() => c.policy.evaluate(streamText, { target: 'output' }), budget, 5).sort(
    (a, b) => a - b,
  );
  const wholePer20 = (quantile(whole, 0.5) / streamText.length) * 20;
  console.log(
    `| ${c.name} | 32 KB | ${quantile(steady, 0.5).toFixed(2)} | ${quantile(steady, 0.99).toFixed(2)} | ${quantile(cold, 0.5).toFixed(2)} | ${wholePer20.toFixed(2)} |`,
  );
}
console.log(
  '\nmaxMatchLength (output): ' + configs.map((c) => `${c.name}: ${c.policy.maxMatchLength}`).join(', '),
);
