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

/** Compiled policies are held only for projects with traffic; the real compiler and engine are used. */
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
    return policy.evaluate([text], 'input', 'u').outcome.decision;
  };

  it('compiles a project policy on first use, and a new revision at once while in use', () => {
    publish(record('pa', 1, blockTerm('alpha')));
    publish(record('pb', 1, blockTerm('beta')));
    expect(store.compiledPolicies).toBe(0);
    expect(verdict('pa', 'say alpha')).toBe('block');
    expect(store.compiledPolicies).toBe(1);
    expect(compiles).toBe(1);
    publish(record('pa', 2, blockTerm('gamma')));
    expect(compiles).toBe(2); // in use: recompiled when the revision arrives, not on the next request
    expect(verdict('pa', 'say alpha')).toBe('allow');
    expect(verdict('pa', 'say gamma')).toBe('block');
    publish(record('pb', 2, blockTerm('delta')));
    expect(compiles).toBe(2); // not in use here: nothing compiled yet
    expect(verdict('pb', 'say delta')).toBe('block');
    expect(compiles).toBe(3);
    publish(null, 'pa');
    expect(store.policyFor('pa')).toBeNull();
    expect(verdict('nobody', 'x')).toBeNull();
  });

  it('fails closed when a first-used revision does not compile, and recovers with the next one', () => {
    publish(record('pc', 1, { version: 1, rules: [{ id: 'x', category: 'no.such.category' }] }));
    expect(store.policyFor('pc')).toBe(POLICY_UNAVAILABLE);
    expect(store.policyCompileFailures).toBe(1);
    publish(record('pc', 2, blockTerm('omega')));
    expect(verdict('pc', 'omega')).toBe('block');
  });
});
