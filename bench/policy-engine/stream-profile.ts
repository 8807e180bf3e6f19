// Streaming driver for profiling (`node --cpu-prof bench/policy-engine/run.cjs <this> [--big] [--rounds N]`):
// pushes 20-character chunks of a 32 KB text through a stream redactor, many times. Prints µs per push.
import { compilePolicy, defaultPolicyConfig } from '@pgw/policy-engine';
import { bigConfig, makeText } from './workload';

const big = process.argv.includes('--big');
const at = process.argv.indexOf('--rounds');
const rounds = at > 0 ? Number(process.argv[at + 1]) : 40;
const policy = compilePolicy(big ? bigConfig() : defaultPolicyConfig());
const text = makeText(32 * 1024);
const chunks: string[] = [];
for (let i = 0; i < text.length; i += 20) chunks.push(text.slice(i, i + 20));
const perRound: number[] = [];
for (let r = 0; r < rounds; r++) {
  const redactor = policy.createStreamRedactor({ target: 'output' });
  const t0 = process.hrtime.bigint();
  for (const chunk of chunks) redactor.push(chunk);
  redactor.end();
  perRound.push(Number(process.hrtime.bigint() - t0) / 1000 / chunks.length);
}
perRound.sort((a, b) => a - b);
console.log(
  `${big ? '(b)' : '(a)'} µs per push: median ${perRound[perRound.length >> 1].toFixed(2)}, min ${perRound[0].toFixed(2)}`,
);
