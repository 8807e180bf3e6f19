import { createEnvelope, uuidv7, type DecisionPayload } from '@pgw/contracts';
import { decodeDecisionMessage } from './decision-row';
import { arrayLiteral } from './decision.repository';

const NOW = Date.parse('2026-03-15T12:00:00Z');

function payload(overrides: Partial<DecisionPayload> = {}): DecisionPayload {
  return {
    event_id: uuidv7(NOW),
    request_id: 'req-1',
    decision: 'redact',
    reason_code: 'pii_detected',
    triggered_categories: ['pii.email'],
    rollout_mode: 'enforce',
    enforced: true,
    policy_id: 'pol_1',
    policy_user: 'user-7',
    policy_project_id: 'tag-1',
    policy_target: 'input',
    allowlist_hits: 0,
    denylist_hits: 2,
    model: 'gpt-4o-mini',
    created_at: new Date(NOW).toISOString(),
    ...overrides,
  };
}

const encode = (p: DecisionPayload, type = 'policy.decision', version = 1): Buffer =>
  Buffer.from(JSON.stringify(createEnvelope(type, version, 'proj_a', p, p.event_id)));

describe('decodeDecisionMessage', () => {
  it('maps a valid event to a row keyed by the envelope id', () => {
    const p = payload();
    const result = decodeDecisionMessage(encode(p), NOW);
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        event_id: p.event_id,
        project_id: 'proj_a',
        created_at: p.created_at,
      }),
    });
  });

  it.each([
    ['not JSON', Buffer.from('{oops'), 'message is not valid JSON'],
    ['a wrong type', encode(payload(), 'usage.recorded'), 'envelope.type must be policy.decision'],
    [
      'an unsupported version',
      encode(payload(), 'policy.decision', 2),
      'envelope.schema_version 2 is not supported',
    ],
    [
      'an extra payload field',
      Buffer.from(JSON.stringify(createEnvelope('policy.decision', 1, 'p', { ...payload(), prompt: 'x' }))),
      'payload.prompt is not an allowed field',
    ],
    [
      'a NUL in a string',
      encode(payload({ policy_user: 'a\u0000b' })),
      'payload.policy_user contains a NUL character',
    ],
    [
      'hits beyond int4',
      encode(payload({ denylist_hits: 2 ** 31 })),
      'payload.denylist_hits is out of range',
    ],
    [
      'a far-future time',
      encode(payload({ created_at: '2030-01-01T00:00:00Z' })),
      'payload.created_at is more than a day in the future',
    ],
    [
      'an ancient time',
      encode(payload({ created_at: '1999-12-31T00:00:00Z' })),
      'payload.created_at is before 2000-01-01',
    ],
  ])('refuses %s with a reason', (_name, raw, reason) => {
    expect(decodeDecisionMessage(raw, NOW)).toEqual({ ok: false, reason });
  });

  it('normalises created_at to an ISO instant with milliseconds', () => {
    const result = decodeDecisionMessage(encode(payload({ created_at: '2026-03-15T13:00:00+01:00' })), NOW);
    expect(result.ok && result.value.created_at).toBe('2026-03-15T12:00:00.000Z');
  });
});

describe('arrayLiteral', () => {
  it('quotes every element so commas, quotes and backslashes survive', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['a,b', 'say "hi"', 'back\\slash'])).toBe('{"a,b","say \\"hi\\"","back\\\\slash"}');
  });
});
