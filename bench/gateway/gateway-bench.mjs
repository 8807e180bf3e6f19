// Gateway benchmark: the mock upstream directly, our gateway (full hot path) and Portkey OSS 1.15.2, side
// by side and interleaved (A B C A B C ...) so ratios hold while the shared machine's speed drifts.
//   npm run build && npm install --prefix bench/gateway && node bench/gateway/gateway-bench.mjs [--duration 5] [--reps 1]
//   [--responses-only | --no-responses]
// Prints tables; never part of the test verdict. Needs the Kafka broker (started by scripts/kafka/kafka.sh).
// Flags and fixed settings: bench-config.mjs; processes: services.mjs; load clients: load-clients.mjs;
// phases: phases.mjs; tables: report.mjs.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pinProcesses, root, stopAll } from '../support/bench-kit.mjs';
import { args, GATEWAY_PORT } from './bench-config.mjs';
import { autocannonLoad } from './load-clients.mjs';
import { halfLoadRate, runHalfLoad, runMaxLoad, runResponsesLoad, runTtfb, warmUp } from './phases.mjs';
import { printGatewayState, printHalfLoad, printMaxLoad, printResponsesLoad, printTtfb } from './report.mjs';
import { seedState } from './seed-state.mjs';
import {
  baselineEnv,
  baselineNodeFlags,
  startGateway,
  startHopReferences,
  startMockUpstream,
  startPortkey,
} from './services.mjs';

async function main() {
  execFileSync('bash', [join(root, 'scripts/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
  if (args.pin) process.env.BENCH_PIN = '1';
  pinProcesses();
  const mock = await startMockUpstream();
  const { mockUrl } = mock;

  const apiKey = await seedState();
  const headers = { authorization: `Bearer ${apiKey}` };
  const gatewayTarget = await startGateway('policy gateway', join(root, 'dist'), GATEWAY_PORT, {
    mockUrl,
    headers,
  });
  const targets = [{ name: 'direct (mock)', base: mock.mockBase, headers: {}, pid: mock.pid }, gatewayTarget];
  if (args.baseline) {
    targets.push(
      await startGateway('baseline gateway', args.baseline, GATEWAY_PORT + 1, {
        mockUrl,
        headers,
        nodeFlags: baselineNodeFlags,
        extraEnv: baselineEnv(),
      }),
    );
  }
  if (!args['no-portkey']) targets.push(await startPortkey(mockUrl));

  await warmUp(targets);

  // The Responses rows: the mock directly and our gateway(s) (Portkey is compared on chat completions).
  const responsesTargets = targets.filter((t) => !t.name.startsWith('portkey'));
  if (!args['no-responses']) printResponsesLoad(responsesTargets, await runResponsesLoad(responsesTargets));
  if (args['responses-only']) {
    await printGatewayState(gatewayTarget.pid);
    stopAll();
    process.exit(0);
  }

  const halfRate = args['half-rate'] ? Number(args['half-rate']) : null;
  let maxLoadResults;
  if (halfRate === null) {
    maxLoadResults = await runMaxLoad(targets);
    printMaxLoad(targets, maxLoadResults);
  }

  // Added latency at half of the gateway's max load (first connection count, non-streamed), interleaved.
  const rate = halfLoadRate(halfRate, maxLoadResults);
  const references = await startHopReferences(mockUrl);
  for (const reference of references) {
    await autocannonLoad(reference, { connections: 16, stream: false, duration: 1 }); // JIT
  }
  const halfTargets = [
    ...targets.filter((t) => t.name === 'direct (mock)'),
    ...references,
    ...targets.filter((t) => t.gateway),
  ];
  printHalfLoad(halfTargets, await runHalfLoad(halfTargets, rate), rate);

  // The hop references stream too.
  const ttfbTargets = [targets[0], ...references, ...targets.slice(1)];
  printTtfb(ttfbTargets, await runTtfb(ttfbTargets));

  await printGatewayState(gatewayTarget.pid);
  stopAll();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  stopAll();
  process.exit(1);
});
