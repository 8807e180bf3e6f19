import { createEnvelope, uuidv7, type DecisionPayload } from '@pgw/contracts';
import { decodeDecisionMessage } from './decision-row';
import { rowsJson } from './decision.repository';

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

  it.each([
    ['an offset', '2026-03-15T13:00:00+01:00', '2026-03-15T12:00:00.000Z'],
    ['no milliseconds', '2026-03-15T12:00:01Z', '2026-03-15T12:00:01.000Z'],
    ['microseconds', '2026-03-15T12:00:01.123456Z', '2026-03-15T12:00:01.123Z'],
    ['a day past the month end', '2026-02-30T12:00:01.123Z', '2026-03-02T12:00:01.123Z'],
    ['hour 24', '2026-03-14T24:00:00.000Z', '2026-03-15T00:00:00.000Z'],
  ])('normalises created_at with %s to an ISO instant with milliseconds', (_name, text, expected) => {
    // The same second seen just before must not let a non-canonical form through unchanged.
    decodeDecisionMessage(encode(payload({ created_at: expected })), NOW);
    const result = decodeDecisionMessage(encode(payload({ created_at: text })), NOW);
    expect(result.ok && result.value.created_at).toBe(expected);
  });

  it('routes the row to the retention class it is given for the project', () => {
    const result = decodeDecisionMessage(encode(payload()), NOW, (projectId) =>
      projectId === 'proj_a' ? 365 : 30,
    );
    expect(result.ok && result.value.retention_class).toBe(365);
  });
});

describe('rowsJson', () => {
  const row = (policyUser: string) => {
    const result = decodeDecisionMessage(encode(payload({ policy_user: policyUser })), NOW);
    if (!result.ok) throw new Error(result.reason);
    return result.value;
  };

  it('is the rows as JSON, quotes, commas and backslashes included', () => {
    const rows = [row('a,"b"\\c')];
    expect(JSON.parse(rowsJson(rows))).toEqual(rows);
  });

  it('replaces a lone UTF-16 surrogate (which Postgres json refuses) like a text parameter would', () => {
    const json = rowsJson([row('x\ud800y'), row('ok \u{1F600}')]);
    expect(json).not.toContain('\\ud800');
    expect(JSON.parse(json).map((r: { policy_user: string }) => r.policy_user)).toEqual([
      'x\ufffdy',
      'ok \u{1F600}',
    ]);
  });
});
