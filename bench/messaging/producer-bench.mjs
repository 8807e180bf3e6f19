// The produce path alone, A/B in one run: this checkout's dist/ against another build's (--baseline), each
// in its own process, interleaved (A B A B ...), so the comparison holds while the shared machine drifts.
//   npm run build && node bench/messaging/producer-bench.mjs --baseline <other dist> [--requests 20000] [--reps 5]
// Per run: CPU µs per request (three events: two decisions, one usage; process user+system CPU over the
// measured part, event log and Kafka client included), requests/s, peak RSS. Medians and ranges printed.
// Never a test verdict. Needs the Kafka broker (scripts/kafka/kafka.sh start); it writes to the dead-letter
// topic, which nothing consumes.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    requests: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '5' },
  },
});
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
execFileSync('bash', [join(root, 'scripts/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });

const builds = [{ name: 'this checkout', dist: join(root, 'dist') }];
if (args.baseline) builds.push({ name: 'baseline', dist: resolve(args.baseline) });
const results = new Map(builds.map((b) => [b.name, []]));
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let rep = 0; rep < Number(args.reps); rep++) {
  for (const build of rep % 2 === 0 ? builds : [...builds].reverse()) {
    const out = execFileSync(
      process.execPath,
      [
        join(root, 'bench/messaging/producer-child.mjs'),
        build.dist,
        brokers,
        args.requests,
        'pgw.dead-letter.v1',
      ],
      { encoding: 'utf8', env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } },
    );
    const run = JSON.parse(out.trim().split('\n').pop());
    results.get(build.name).push(run);
    console.log(
      `  rep ${rep + 1} ${build.name}: ${run.cpuUsPerRequest.toFixed(1)} µs CPU/request, ` +
        `${Math.round(run.requestsPerSecond)} req/s, peak RSS ${run.maxRssMb.toFixed(0)} MB`,
    );
  }
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (runs, key, digits) => {
  const xs = runs.map((r) => r[key]);
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
};
console.log(
  `\nProduce path, ${args.requests} requests (3 events each) per run, ${args.reps} reps, medians (min–max)`,
);
console.log('| build | CPU µs/request | requests/s | peak RSS MB |');
console.log('|---|---|---|---|');
for (const [name, runs] of results) {
  console.log(
    `| ${name} | ${cell(runs, 'cpuUsPerRequest', 1)} | ${cell(runs, 'requestsPerSecond', 0)} | ${cell(runs, 'maxRssMb', 0)} |`,
  );
}
