// The measured phases, each interleaved across targets (A B C A B C ...) so ratios hold while the shared
// machine's speed drifts: closed-loop max load, added latency at half load, streaming time to first byte.
import { fmt, median } from '../support/bench-kit.mjs';
import { CONNS, REPS, responsesRequestBody, TTFB_REQUESTS } from './bench-config.mjs';
import {
  autocannonLoad,
  pacedClientBinary,
  pacedNativeLoad,
  pacedNodeLoad,
  streamTtfb,
} from './load-clients.mjs';

/** Warm up (JIT, pools, Kafka producer). */
export async function warmUp(targets) {
  for (const target of targets) {
    await autocannonLoad(target, { connections: 16, stream: false, duration: 1 });
    await autocannonLoad(target, { connections: 16, stream: true, duration: 1 });
  }
}

/** Closed-loop max load per target; results keyed `${stream}|${conns}|${name}` -> runs[]. */
export async function runMaxLoad(targets) {
  const results = new Map();
  for (const stream of [false, true]) {
    for (const connections of CONNS) {
      for (let rep = 0; rep < REPS; rep++) {
        for (const target of targets) {
          const key = `${stream}|${connections}|${target.name}`;
          const run = await autocannonLoad(target, { connections, stream, sampleRss: target.pid });
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(run);
          process.stderr.write(
            `  ${stream ? 'stream' : 'json  '} c=${connections} ${target.name}: ${fmt(run.rps, 0)} req/s\n`,
          );
        }
      }
    }
  }
  return results;
}

/** --half-rate, else half of the gateway's non-streamed max load at the first connection count (at least 100). */
export function halfLoadRate(halfRate, maxLoadResults) {
  return (
    halfRate ??
    Math.max(
      100,
      Math.floor(median(maxLoadResults.get(`false|${CONNS[0]}|policy gateway`).map((r) => r.rps)) / 2),
    )
  );
}

/**
 * Added latency at a fixed rate (non-streamed): evenly paced arrivals (the figure the target is about),
 * and autocannon's overallRate for reference. Runs per target name.
 */
export async function runHalfLoad(halfTargets, rate) {
  const half = { paced: new Map(), bursts: new Map() };
  for (const t of halfTargets) for (const runs of [half.paced, half.bursts]) runs.set(t.name, []);
  for (let rep = 0; rep < REPS; rep++) {
    for (const t of halfTargets) {
      const sampleRss = t.gateway ? t.pid : undefined;
      const pacedLoad = pacedClientBinary ? pacedNativeLoad : pacedNodeLoad;
      half.paced
        .get(t.name)
        .push(await pacedLoad(t, { connections: CONNS[0], stream: false, rate, sampleRss }));
    }
    for (const t of halfTargets) {
      half.bursts.get(t.name).push(await autocannonLoad(t, { connections: CONNS[0], stream: false, rate }));
    }
  }
  return half;
}

/** Streaming time to first byte, sequential, interleaved in blocks of 50; times per target name. */
export async function runTtfb(ttfbTargets) {
  const ttfbs = new Map(ttfbTargets.map((t) => [t.name, []]));
  const block = 50;
  for (let done = 0; done < TTFB_REQUESTS; done += block) {
    for (const target of ttfbTargets) ttfbs.get(target.name).push(...(await streamTtfb(target, block)));
  }
  return ttfbs;
}

/**
 * The Responses rows: POST /v1/responses, non-streamed and streamed, at the first connection count, the
 * mock directly and the gateway (same policy, limits and events as chat), interleaved; results keyed
 * `${stream}|${target name}` -> runs[].
 */
export async function runResponsesLoad(targets) {
  const results = new Map();
  for (const stream of [false, true]) {
    for (let rep = 0; rep < REPS; rep++) {
      for (const target of targets) {
        const run = await autocannonLoad(target, {
          connections: CONNS[0],
          stream,
          path: '/v1/responses',
          body: responsesRequestBody(stream),
          sampleRss: target.pid,
        });
        const key = `${stream}|${target.name}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(run);
        process.stderr.write(
          `  responses ${stream ? 'stream' : 'json  '} c=${CONNS[0]} ${target.name}: ${fmt(run.rps, 0)} req/s\n`,
        );
      }
    }
  }
  return results;
}
