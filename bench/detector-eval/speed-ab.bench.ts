// A/B of whole-text evaluation: this checkout's engine with every detector it has (its default policy)
// against a base revision's engine with every detector it had, same process, interleaved rounds, so the
// ratio holds on a loaded machine. Prints a table; never a test verdict.
// Run: node bench/policy-engine/run.cjs bench/detector-eval/speed-ab.bench.ts --base <rev> [--rounds N]
// [--detectors-only]: leave the injection rules out (the PII and secret detectors alone).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type * as Engine from '@pgw/policy-engine';
import { makeText } from '../policy-engine/workload';

const argAt = process.argv.indexOf('--base');
const base = argAt > 0 ? process.argv[argAt + 1] : 'main';
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 5;
const root = path.resolve(__dirname, '..', '..');

function load(label: string, populate: (dir: string) => void): typeof Engine {
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(root, 'tmp', `pe-${label}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  populate(dir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(dir, 'libs/policy-engine/src/index.ts')) as typeof Engine;
}
const baseline = load('base', (dir) => {
  const tar = execFileSync('git', ['-C', root, 'archive', base, 'libs/policy-engine/src']);
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
});
const current = load('current', (dir) =>
  cpSync(path.join(root, 'libs/policy-engine/src'), path.join(dir, 'libs/policy-engine/src'), {
    recursive: true,
  }),
);
const detectorsOnly = process.argv.includes('--detectors-only');
function config(engine: typeof Engine) {
  const c = engine.defaultPolicyConfig();
  return detectorsOnly ? { ...c, rules: c.rules.filter((r) => !r.category.startsWith('injection.')) } : c;
}
const engines = [
  { name: 'current', policy: current.compilePolicy(config(current)) },
  { name: `base ${base}`, policy: baseline.compilePolicy(config(baseline)) },
];
const sizes = [
  { label: '1 KB', text: makeText(1024) },
  { label: '32 KB', text: makeText(32 * 1024) },
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const e of r % 2 === 0 ? engines : [...engines].reverse()) {
    for (const size of sizes) {
      const times: number[] = [];
      const stop = performance.now() + 200;
      while (times.length < 20 || performance.now() < stop) {
        const t0 = process.hrtime.bigint();
        e.policy.evaluate(size.text, { target: 'input' });
        times.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      const key = `${e.name}|${size.label}`;
      results.set(key, [...(results.get(key) ?? []), median(times)]);
    }
  }
}
console.log(
  `whole-text A/B, every detector of each engine (default policy${detectorsOnly ? ' without injection rules' : ''}), ${rounds} interleaved rounds`,
);
console.log('median of round medians, µs (MB/s)\n');
console.log(`| text | current | base ${base} | current / base |\n| --- | ---: | ---: | ---: |`);
for (const size of sizes) {
  const a = median(results.get(`current|${size.label}`) ?? []);
  const b = median(results.get(`base ${base}|${size.label}`) ?? []);
  const mbs = (us: number) => (size.text.length / us).toFixed(0);
  console.log(
    `| ${size.label} | ${a.toFixed(1)} (${mbs(a)}) | ${b.toFixed(1)} (${mbs(b)}) | ${(a / b).toFixed(2)}x |`,
  );
}
