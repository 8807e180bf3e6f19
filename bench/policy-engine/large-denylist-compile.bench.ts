// How long a large denylist occupies the thread that compiles it: the whole compile (what a worker thread
// now does), and the main thread's part when it adopts the worker's scan tables (what the gateway's event
// loop still does). Usage: node bench/policy-engine/run.cjs bench/policy-engine/large-denylist-compile.bench.ts [terms]
import { compilePolicy } from '@pgw/policy-engine';

const count = Number(process.argv[2] ?? 80_000);
const terms = Array.from({ length: count }, (_, i) => `codeword${i.toString(36)}q${(i * 7919) % 100_003}`);
const config = {
  version: 1,
  rules: [{ id: 'deny', category: 'denylist.big', target: 'both', action: 'block', terms }],
} as const;

const ms = (start: number) => Math.round(performance.now() - start);
for (let round = 1; round <= 3; round++) {
  let start = performance.now();
  const full = compilePolicy(config as never);
  const whole = ms(start);
  const tables = full.scanTables();
  start = performance.now();
  compilePolicy(config as never, { prebuiltScans: tables });
  console.log(
    `round ${round}: ${count} terms, whole compile ${whole} ms (worker thread), main thread with the worker's tables ${ms(start)} ms`,
  );
}
