import { checkPlanBoundSettings, type PlanBoundSettings } from './project-rules';

const base: PlanBoundSettings = {
  plan: 'free',
  requests_per_minute: null,
  tokens_per_minute: null,
  key_requests_per_minute: null,
  key_tokens_per_minute: null,
  audit_retention_days: 30,
};

describe('checkPlanBoundSettings', () => {
  it('accepts the plan defaults and tightened limits', () => {
    expect(checkPlanBoundSettings(base)).toBeNull();
    expect(
      checkPlanBoundSettings({ ...base, requests_per_minute: 10, key_requests_per_minute: 5 }),
    ).toBeNull();
  });

  it('refuses project limits above the plan', () => {
    expect(checkPlanBoundSettings({ ...base, tokens_per_minute: 60_001 })).toMatchObject({
      kind: 'invalid',
      param: 'limits.tokens_per_minute',
    });
    expect(checkPlanBoundSettings({ ...base, plan: 'team', tokens_per_minute: 60_001 })).toBeNull();
  });

  it('refuses per-key defaults above the (tightened) project limits', () => {
    expect(
      checkPlanBoundSettings({ ...base, requests_per_minute: 10, key_requests_per_minute: 11 }),
    ).toMatchObject({ kind: 'invalid', param: 'key_limits.requests_per_minute' });
    expect(checkPlanBoundSettings({ ...base, key_requests_per_minute: 61 })).toMatchObject({
      param: 'key_limits.requests_per_minute',
    });
  });

  it('makes retention beyond 30 days an enterprise feature', () => {
    expect(checkPlanBoundSettings({ ...base, audit_retention_days: 31 })).toMatchObject({
      kind: 'plan_feature',
      param: 'audit_retention_days',
    });
    expect(checkPlanBoundSettings({ ...base, plan: 'team', audit_retention_days: 90 })?.kind).toBe(
      'plan_feature',
    );
    expect(checkPlanBoundSettings({ ...base, plan: 'enterprise', audit_retention_days: 365 })).toBeNull();
    expect(checkPlanBoundSettings({ ...base, plan: 'enterprise', audit_retention_days: 4000 })?.kind).toBe(
      'invalid',
    );
  });
});
