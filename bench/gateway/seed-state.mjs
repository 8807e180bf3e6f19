// The bench project, API key and policy, published to Kafka as the control plane would, before the gateway starts.
import { fromDist, publishProjectAndKey } from '../support/bench-kit.mjs';
import { KAFKA_BROKERS } from './bench-config.mjs';

/** Deterministic pseudo-words for the 1,000-term denylist (none occurs in the prompt or the reply). */
function denylistTerms(count) {
  let seed = 0x2545f491;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 0x1000000;
  const letters = 'bcdfghjklmnpqrstvwxz';
  const terms = new Set();
  while (terms.size < count) {
    let word = '';
    const length = 7 + Math.floor(next() * 6);
    for (let i = 0; i < length; i++) word += letters[Math.floor(next() * letters.length)];
    terms.add(word);
  }
  return [...terms];
}

/** Every built-in detector (PII and secrets redact, injection signals flag) + a 1,000-term denylist, input and output. */
function benchPolicyConfig(engine) {
  return {
    version: 1,
    name: 'bench',
    rules: [
      ...engine.BUILTIN_CATEGORIES.map((category, i) => ({
        id: `detector-${i}`,
        category,
        target: 'both',
        action: category.startsWith('injection.') ? 'flag' : 'redact',
      })),
      {
        id: 'deny',
        category: 'denylist.bench',
        target: 'both',
        action: 'block',
        terms: denylistTerms(1_000),
      },
    ],
  };
}

export async function seedState() {
  const { KafkaEventBus } = fromDist('libs/messaging/src/index.js');
  const contracts = fromDist('libs/contracts/src/index.js');
  const engine = fromDist('libs/policy-engine/src/index.js'); // DETECTOR_CATEGORIES: the engine's own list
  const run = Date.now().toString(36);
  const projectId = `pbench${run}`;
  const keyId = `kbench${run}`;
  const secret = `s${run}`.padEnd(32, 'x');
  const bus = new KafkaEventBus({
    brokers: KAFKA_BROKERS.split(','),
    clientId: `bench-seed-${run}`,
    logger: () => undefined,
  });
  const now = new Date().toISOString();
  const key = await publishProjectAndKey(bus, contracts, {
    projectId,
    keyId,
    secret,
    name: 'bench',
    plan: 'enterprise',
    budgetMicros: 1_000_000_000_000_000,
  });
  await bus.publishAndWait(contracts.TOPICS.policyState, [
    {
      key: projectId,
      value: JSON.stringify({
        project_id: projectId,
        policy_id: `polbench${run}`,
        revision: 1,
        rollout_mode: 'enforce',
        canary_percent: 100,
        config: benchPolicyConfig(engine),
        activated_at: now,
      }),
    },
  ]);
  await bus.close();
  return key;
}
