import { TOPICS, type PolicyStateRecord } from '@pgw/contracts';
import { resolveGatewayOptions } from '../gateway-server.module';
import { PolicyCompiler } from '../policy/policy-engine.adapter';
import { GatewayStateStore, POLICY_UNAVAILABLE } from './gateway-state.store';

const blockTerm = (term: string) => ({
  version: 1,
  rules: [{ id: 'deny', category: 'denylist.test', target: 'both', action: 'block', terms: [term] }],
});

function record(projectId: string, revision: number, config: unknown): PolicyStateRecord {
  return {
    project_id: projectId,
    policy_id: `pol${revision}`,
    revision,
    rollout_mode: 'enforce',
    canary_percent: 100,
    config,
    activated_at: new Date().toISOString(),
  };
}

/** Policies are compiled as their revisions arrive; the real compiler and engine are used. */
describe('GatewayStateStore policy compilation', () => {
  let store: GatewayStateStore;
  let compiles: number;

  beforeEach(() => {
    const compiler = new PolicyCompiler();
    compiles = 0;
    const compile = compiler.compile.bind(compiler);
    compiler.compile = (r) => (compiles++, compile(r));
    store = new GatewayStateStore(compiler, resolveGatewayOptions({ routes: {}, instanceId: 't' }));
  });

  afterEach(() => store.onModuleDestroy());

  function publish(r: PolicyStateRecord | null, projectId = r?.project_id ?? ''): void {
    store.apply({
      topic: TOPICS.policyState,
      partition: 0,
      offset: '0',
      key: projectId,
      value: r === null ? null : Buffer.from(JSON.stringify(r)),
    });
    store.compilePending();
  }

  const verdict = (projectId: string, text: string) => {
    const policy = store.policyFor(projectId);
    if (policy === null || policy === POLICY_UNAVAILABLE) return policy;
    return policy.evaluate([{ text, role: 'user' }], 'input', 'u').outcome.decision;
  };

  it('compiles each revision when it arrives, never on a request', () => {
    publish(record('pa', 1, blockTerm('alpha')));
    publish(record('pb', 1, blockTerm('beta')));
    expect(store.compiledPolicies).toBe(2);
    expect(compiles).toBe(2);
    expect(verdict('pa', 'say alpha')).toBe('block');
    expect(verdict('pb', 'say beta')).toBe('block');
    expect(compiles).toBe(2); // requests compiled nothing
    publish(record('pa', 2, blockTerm('gamma')));
    expect(compiles).toBe(3);
    expect(verdict('pa', 'say alpha')).toBe('allow');
    expect(verdict('pa', 'say gamma')).toBe('block');
    publish(null, 'pa');
    expect(store.policyFor('pa')).toBeNull();
    expect(verdict('nobody', 'x')).toBeNull();
  });

  it('answers requests made while a new revision waits to compile with the previous revision', () => {
    publish(record('pa', 1, blockTerm('alpha')));
    store.apply({
      topic: TOPICS.policyState,
      partition: 0,
      offset: '1',
      key: 'pa',
      value: Buffer.from(JSON.stringify(record('pa', 2, blockTerm('gamma')))),
    });
    expect(verdict('pa', 'say alpha')).toBe('block'); // revision 1, not compiled again on this request
    expect(compiles).toBe(1);
    store.compilePending();
    expect(verdict('pa', 'say gamma')).toBe('block');
  });

  it('fails closed for a first revision not compiled yet (never compiles it on the request)', () => {
    store.apply({
      topic: TOPICS.policyState,
      partition: 0,
      offset: '0',
      key: 'pn',
      value: Buffer.from(JSON.stringify(record('pn', 1, blockTerm('alpha')))),
    });
    expect(store.policyFor('pn')).toBe(POLICY_UNAVAILABLE);
    expect(compiles).toBe(0);
  });

  it('fails closed when a first-used revision does not compile, and recovers with the next one', () => {
    publish(record('pc', 1, { version: 1, rules: [{ id: 'x', category: 'no.such.category' }] }));
    expect(store.policyFor('pc')).toBe(POLICY_UNAVAILABLE);
    expect(store.policyCompileFailures).toBe(1);
    publish(record('pc', 2, blockTerm('omega')));
    expect(verdict('pc', 'omega')).toBe('block');
  });
});
