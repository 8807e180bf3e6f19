// What the learned injection model costs per evaluation, in one process and interleaved rounds: the
// default policy (all detectors incl. injection rules) against the same policy without its injection
// rules, and the model's score() alone.
// Run: node bench/policy-engine/run.cjs bench/policy-engine/injection.bench.ts [--quick]
import { compilePolicy, defaultPolicyConfig } from '@pgw/policy-engine';
import { shippedInjectionModel } from '../../libs/policy-engine/src/detectors/injection/shipped-model';
import { makeText } from './workload';

const quick = process.argv.includes('--quick');
const rounds = quick ? 2 : 5;
const budgetMs = quick ? 200 : 500;

const withInjection = compilePolicy(defaultPolicyConfig());
const base = defaultPolicyConfig();
const withoutInjection = compilePolicy({
  ...base,
  rules: base.rules.filter((r) => !r.category.startsWith('injection.')),
});
const model = shippedInjectionModel();

const cases = [
  { label: 'engine, default policy', run: (t: string) => withInjection.evaluate(t, { target: 'input' }) },
  {
    label: 'engine, default policy without injection rules',
    run: (t: string) => withoutInjection.evaluate(t, { target: 'input' }),
  },
  { label: 'model score() alone', run: (t: string) => model.score(t) },
];
const sizes = [
  { label: '1 KB', text: makeText(1024) },
  { label: '32 KB', text: makeText(32 * 1024) },
];

/**
 * CPU µs per call (user + system) over batches of >= 25 ms (the kernel accounts CPU time in ticks), after a
 * warm-up: robust to other processes sharing the machine.
 */
function cpuMicros(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn();
  const samples: number[] = [];
  const stop = performance.now() + budgetMs;
  while (samples.length < 3 || performance.now() < stop) {
    const start = process.cpuUsage();
    const until = performance.now() + 25;
    let calls = 0;
    while (performance.now() < until) {
      fn();
      calls++;
    }
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / calls);
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1];
}

let charLoop = 0;
const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const size of sizes) {
    for (const c of cases) {
      const key = `${c.label}|${size.label}`;
      const list = results.get(key) ?? [];
      list.push(cpuMicros(() => c.run(size.text)));
      results.set(key, list);
    }
  }
  const text = sizes[1].text;
  charLoop = Math.max(
    charLoop,
    text.length /
      cpuMicros(() => {
        let x = 0;
        for (let i = 0; i < text.length; i++) x ^= text.charCodeAt(i);
        if (x === -1) console.log(x);
      }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `injection model cost (node ${process.version}, ${rounds} interleaved rounds, CPU µs per call, median)\n`,
);
console.log('| case | text | CPU µs | MB/s |');
console.log('| --- | --- | ---: | ---: |');
for (const size of sizes) {
  for (const c of cases) {
    const us = median(results.get(`${c.label}|${size.label}`) ?? []);
    console.log(`| ${c.label} | ${size.label} | ${us.toFixed(1)} | ${(size.text.length / us).toFixed(0)} |`);
  }
}
console.log(`\nchar-loop yardstick: ${charLoop.toFixed(0)} MB/s`);
