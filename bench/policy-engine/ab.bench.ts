// A/B: this checkout's policy engine against the engine of an older git revision, in the same process,
// interleaved (A B B A ...) so both see the same machine load. Prints a table; never a test verdict.
// Run: node bench/policy-engine/run.cjs bench/policy-engine/ab.bench.ts [--base <rev>] [--quick] [--stream]
// --stream: only the streaming push cost, for both configurations ((a) all detectors, (b) the big policy),
// in more interleaved rounds. --detectors-only: without the injection rules (the PII and secret detectors,
// terms and regexes alone; the injection model otherwise dominates every figure).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type * as Engine from '@pgw/policy-engine';
import { bigConfig, makeText, streamPushes } from './workload';
import { defaultPolicyConfig } from '@pgw/policy-engine';

const argAt = process.argv.indexOf('--base');
const base = argAt > 0 ? process.argv[argAt + 1] : '5c80a3f';
const quick = process.argv.includes('--quick');
const detectorsOnly = process.argv.includes('--detectors-only');
const withoutInjection = <T extends { rules: { category: string }[] }>(c: T): T =>
  detectorsOnly ? { ...c, rules: c.rules.filter((r) => !r.category.startsWith('injection.')) } : c;
const root = path.resolve(__dirname, '..', '..');

// The base engine's sources, extracted from git into a temporary folder inside the repo (so its imports
// resolve against the same node_modules); removed at exit.
mkdirSync(path.join(root, 'tmp'), { recursive: true });
const dir = mkdtempSync(path.join(root, 'tmp', 'pe-base-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const tar = execFileSync('git', ['-C', root, 'archive', base, 'libs/policy-engine/src']);
execFileSync('tar', ['-x', '-C', dir], { input: tar });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const baseline = require(path.join(dir, 'libs/policy-engine/src/index.ts')) as typeof Engine;
// The checkout's engine is loaded the same way, from a copy: required through the '@pgw/policy-engine'
// alias (the copy this bench and workload.ts also use) it ran ~1.2x faster than the identical code loaded
// from a folder (an A/A run showed it), which flattered every A/B.
const currentDir = mkdtempSync(path.join(root, 'tmp', 'pe-current-'));
process.on('exit', () => rmSync(currentDir, { recursive: true, force: true }));
cpSync(path.join(root, 'libs/policy-engine/src'), path.join(currentDir, 'libs/policy-engine/src'), {
  recursive: true,
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const current = require(path.join(currentDir, 'libs/policy-engine/src/index.ts')) as typeof Engine;

const engines = [
  { name: 'current', engine: current },
  { name: `base ${base}`, engine: baseline },
];
const configs = [withoutInjection(bigConfig())];
const sizes = [
  { label: '1 KB', text: makeText(1024) },
  { label: '32 KB', text: makeText(32 * 1024) },
  { label: '1 MB', text: makeText(1024 * 1024) },
];
const streamText = makeText(32 * 1024);
const compiled = engines.map((e) => ({ ...e, policy: e.engine.compilePolicy(configs[0]) }));
const budget = quick ? 150 : 400;
const rounds = quick ? 1 : 3;

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
const fmt2 = (xs: number[]) =>
  `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

if (process.argv.includes('--stream')) {
  // Each engine's functions warm up on their own (two module copies): its first 3 rounds (6 streams) give
  // the "from cold" median, JIT tier-up included; the later rounds the steady state (median of round
  // medians).
  const streamConfigs = [
    { label: '(a) all detectors', config: withoutInjection(defaultPolicyConfig()) },
    { label: '(b) + 10k terms + 20 regexes', config: withoutInjection(bigConfig()) },
  ];
  const runs = streamConfigs.flatMap((c) =>
    engines.map((e) => ({ key: `${e.name}|${c.label}`, policy: e.engine.compilePolicy(c.config) })),
  );
  const coldRounds = quick ? 1 : 3;
  const perRound = new Map<string, number[]>();
  const cold = new Map<string, number[]>();
  for (let r = 0; r < coldRounds + (quick ? 3 : 6); r++) {
    for (const run of r % 2 === 0 ? runs : [...runs].reverse()) {
      const pushes = streamPushes(run.policy, streamText, 2);
      if (r < coldRounds) cold.set(run.key, [...(cold.get(run.key) ?? []), ...pushes]);
      else perRound.set(run.key, [...(perRound.get(run.key) ?? []), median(pushes)]);
    }
  }
  console.log(
    `stream push A/B (20-character chunks of 32 KB, output), median µs per push. Steady: median of round medians (min–max) after ${coldRounds * 2} warm-up streams; from cold: median over those first ${coldRounds * 2} streams\n`,
  );
  console.log(
    `| config | current steady | base ${base} steady | speed-up | current from cold | base from cold | speed-up |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of streamConfigs) {
    const a = perRound.get(`current|${c.label}`) ?? [];
    const b = perRound.get(`base ${base}|${c.label}`) ?? [];
    const ca = median(cold.get(`current|${c.label}`) ?? []);
    const cb = median(cold.get(`base ${base}|${c.label}`) ?? []);
    console.log(
      `| ${c.label} | ${fmt2(a)} | ${fmt2(b)} | ${(median(b) / median(a)).toFixed(2)}x | ${ca.toFixed(2)} | ${cb.toFixed(2)} | ${(cb / ca).toFixed(2)}x |`,
    );
  }
  process.exit(0);
}

const whole = new Map<string, number[]>();
const stream = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  // A B, then B A: whichever runs second in a round runs on caches and heap the other left.
  for (const e of r % 2 === 0 ? compiled : [...compiled].reverse()) {
    for (const size of sizes) {
      const key = `${e.name}|${size.label}`;
      const t = sample(() => e.policy.evaluate(size.text, { target: 'input' }), budget, 5);
      whole.set(key, [...(whole.get(key) ?? []), median(t)]);
    }
    const perPush = streamPushes(e.policy, streamText, 2);
    stream.set(e.name, [...(stream.get(e.name) ?? []), median(perPush)]);
  }
}

const fmt = (xs: number[]) =>
  `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
console.log(
  `policy engine A/B, all detectors${detectorsOnly ? ' (no injection)' : ''} + 10k terms + 20 regexes, ${rounds} interleaved rounds (median of round medians, min–max)\n`,
);
console.log(`| text | current µs | base µs | current MB/s | base MB/s | speed-up |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const size of sizes) {
  const a = whole.get(`current|${size.label}`) ?? [];
  const b = whole.get(`${compiled[1].name}|${size.label}`) ?? [];
  console.log(
    `| ${size.label} | ${fmt(a)} | ${fmt(b)} | ${(size.text.length / median(a)).toFixed(0)} | ${(size.text.length / median(b)).toFixed(0)} | ${(median(b) / median(a)).toFixed(1)}x |`,
  );
}
const sa = stream.get('current') ?? [];
const sb = stream.get(compiled[1].name) ?? [];
console.log(
  `| stream push (20 chars, output) | ${fmt(sa)} | ${fmt(sb)} | | | ${(median(sb) / median(sa)).toFixed(1)}x |`,
);
