import {
  CATEGORY_PATTERN_TOKEN,
  CODE_PATTERN,
  ENTITY_ID_PATTERN,
  MODEL_ID_PATTERN,
  REQUEST_ID_PATTERN,
} from './identifiers';
import { checkDecisionPayload } from './decision-event';

describe('identifier shapes (mirrored by the schemas’ CHECK constraints)', () => {
  const prose = ['DOB 1970-01-01 ssn 123-45-6789', 'john doe', 'a\u0000b', 'x\ny', '', 'é'];

  it('take the identifiers the services produce', () => {
    expect(REQUEST_ID_PATTERN.test('0190b6f2-7c1e-7cc0-9a55-3b8e1d2c4f00')).toBe(true);
    expect(REQUEST_ID_PATTERN.test('req_00001:retry.2')).toBe(true);
    for (const model of [
      'gpt-4o-mini',
      'ft:gpt-4o:org::abc',
      'meta-llama/Llama-3-8B',
      'claude@2024',
      'unknown',
    ])
      expect(MODEL_ID_PATTERN.test(model)).toBe(true);
    expect(ENTITY_ID_PATTERN.test('prj_0123456789abcdef.r12')).toBe(true);
    expect(CODE_PATTERN.test('pii_redacted')).toBe(true);
    expect(CATEGORY_PATTERN_TOKEN.test('regex.my_rule')).toBe(true);
  });

  it('refuse text: spaces, control characters, empty, non-ASCII, over length', () => {
    for (const pattern of [
      REQUEST_ID_PATTERN,
      MODEL_ID_PATTERN,
      ENTITY_ID_PATTERN,
      CODE_PATTERN,
      CATEGORY_PATTERN_TOKEN,
    ])
      for (const value of [...prose, 'a'.repeat(200)])
        expect({ pattern: pattern.source, value, ok: pattern.test(value) }).toMatchObject({ ok: false });
  });

  it('make the decision decoder refuse a model or request id that is not a token', () => {
    const payload = {
      event_id: '0190b6f2-7c1e-7cc0-9a55-3b8e1d2c4f00',
      request_id: 'r-1',
      decision: 'allow',
      reason_code: 'allowed',
      triggered_categories: [],
      rollout_mode: 'enforce',
      enforced: true,
      policy_id: null,
      policy_user: null,
      policy_project_id: 'p1',
      policy_target: 'input',
      allowlist_hits: 0,
      denylist_hits: 0,
      model: 'gpt-4o-mini',
      created_at: '2026-01-01T00:00:00.000Z',
    };
    expect(checkDecisionPayload(payload)).toBeNull();
    expect(checkDecisionPayload({ ...payload, model: 'card 4111 1111 1111 1111' })).toContain(
      'payload.model',
    );
    expect(checkDecisionPayload({ ...payload, request_id: 'DOB 1970-01-01' })).toContain(
      'payload.request_id',
    );
  });
});
