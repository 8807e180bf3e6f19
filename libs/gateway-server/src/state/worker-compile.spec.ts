import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOPICS, type PolicyStateRecord } from '@pgw/contracts';
import { waitFor } from '@pgw/testing';
import { resolveGatewayOptions } from '../gateway-server.module';
import { LARGE_POLICY_CONFIG_CHARS } from '../policy/compile-worker/policy-compile-worker';
import { PolicyCompiler } from '../policy/policy-engine.adapter';
import { GatewayStateStore, POLICY_UNAVAILABLE } from './gateway-state.store';

const TERMS = Array.from({ length: 80_000 }, (_, i) => `codeword${i.toString(36)}q${(i * 7919) % 100_003}`);

const denylist = (terms: string[]) => ({
  version: 1,
  rules: [{ id: 'deny', category: 'denylist.test', target: 'both', action: 'block', terms }],
});

function record(revision: number, config: unknown): PolicyStateRecord {
  return {
    project_id: 'big',
    policy_id: `pol${revision}`,
    revision,
    rollout_mode: 'enforce',
    canary_percent: 100,
    config,
    activated_at: new Date().toISOString(),
  };
}

/**
 * An 80,000-term revision is compiled off the event loop: a health request made when it arrives is
 * answered before its compilation finishes, and requests meanwhile use the previous revision.
 */
describe('GatewayStateStore: large revisions compile in a worker thread', () => {
  let store: GatewayStateStore;
  let health: Server;

  beforeAll(async () => {
    health = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await store?.onModuleDestroy();
    await new Promise((resolve) => health.close(resolve));
  });

  function publish(r: PolicyStateRecord): void {
    store.apply({
      topic: TOPICS.policyState,
      partition: 0,
      offset: String(r.revision),
      key: r.project_id,
      value: Buffer.from(JSON.stringify(r)),
    });
    store.compilePending();
  }

  const verdict = (text: string) => {
    const policy = store.policyFor('big');
    if (policy === null || policy === POLICY_UNAVAILABLE) return policy;
    return policy.evaluate([{ text, role: 'user' }], 'input', 'u').outcome.decision;
  };

  it('answers a health request before the compilation finishes, with the previous revision in use', async () => {
    store = new GatewayStateStore(
      new PolicyCompiler(),
      resolveGatewayOptions({ routes: {}, instanceId: 't' }),
    );
    publish(record(1, denylist(['oldsecret'])));
    expect(verdict('the oldsecret')).toBe('block');

    const large = denylist(TERMS);
    expect(JSON.stringify(large).length).toBeGreaterThanOrEqual(LARGE_POLICY_CONFIG_CHARS);
    publish(record(2, large));
    expect(store.compilingInWorker).toBe(1);

    const order: string[] = [];
    const port = (health.address() as AddressInfo).port;
    const healthDone = fetch(`http://127.0.0.1:${port}/healthz`)
      .then((response) => response.text())
      .then(() => order.push('health answered'));
    // Meanwhile the previous revision serves.
    expect(verdict('the oldsecret')).toBe('block');
    expect(verdict(`say ${TERMS[4242]}`)).toBe('allow');

    await waitFor(() => store.compilingInWorker === 0, {
      description: 'the worker compilation',
      timeoutMs: 120_000,
      intervalMs: 5,
    });
    order.push('compiled');
    await healthDone;
    expect(order).toEqual(['health answered', 'compiled']);

    // The new revision is in use, with the automaton the worker built.
    expect(verdict(`say ${TERMS[4242]}`)).toBe('block');
    expect(verdict(`say ${TERMS[79_999].toUpperCase()}`)).toBe('block');
    expect(verdict('the oldsecret')).toBe('allow');
    expect(store.policyCompileFailures).toBe(0);
  }, 180_000);

  it('keeps the previous revision when a large revision does not compile', async () => {
    publish(record(3, { ...denylist(TERMS), rules: [{ ...denylist(TERMS).rules[0], action: 'explode' }] }));
    expect(store.compilingInWorker).toBe(1);
    await waitFor(() => store.compilingInWorker === 0, { description: 'the worker', timeoutMs: 120_000 });
    expect(store.policyCompileFailures).toBe(1);
    expect(verdict(`say ${TERMS[4242]}`)).toBe('block');
  }, 180_000);
});
