import {
  createEnvelope,
  decodeEnvelope,
  DECISION_EVENT_TYPE,
  DECISION_PAYLOAD_SHAPE,
  DECISION_SCHEMA_VERSION,
  TOPIC_CODECS,
  USAGE_EVENT_TYPE,
  USAGE_PAYLOAD_SHAPE,
  USAGE_SCHEMA_VERSION,
  type DecisionPayload,
  type UsagePayload,
} from '@pgw/contracts';
import { encodeDecision, encodeUsage } from './gateway-events';

/** The hand-written envelopes must be byte-for-byte what JSON.stringify(createEnvelope(...)) gives. */
describe('event encoding', () => {
  const decision: Omit<DecisionPayload, 'event_id' | 'created_at'> = {
    request_id: 'req "quoted" \\ \u2028 ünïcode\n',
    decision: 'redact',
    reason_code: 'pii.email',
    triggered_categories: ['pii.email', 'secrets.aws_access_key', 'weird "cat"'],
    rollout_mode: 'canary',
    enforced: false,
    policy_id: 'pol1',
    policy_user: 'user <script>"',
    policy_project_id: 'p1',
    policy_target: 'output',
    allowlist_hits: 2,
    denylist_hits: 0,
    model: 'org/model:v1.2',
  };

  // What the gateway really sends: identifiers are tokens (identifiers.ts); the escaping cases above are
  // encoded byte for byte too, and the consumers refuse them.
  const tokens = {
    ...decision,
    request_id: 'req-1',
    triggered_categories: ['pii.email', 'secret.aws_access_key'],
  };

  it('writes a decision event as createEnvelope would, decodable by the consumers', () => {
    const cases: [Omit<DecisionPayload, 'event_id' | 'created_at'>, boolean][] = [
      [decision, false],
      [tokens, true],
      [{ ...tokens, policy_id: null, policy_user: null, triggered_categories: [] }, true],
    ];
    for (const [payload, decodable] of cases) {
      const ms = 1_760_000_000_123;
      const text = encodeDecision('p1', payload, ms);
      const parsed = JSON.parse(text) as { event_id: string };
      const at = new Date(ms).toISOString();
      const expected = createEnvelope(
        DECISION_EVENT_TYPE,
        DECISION_SCHEMA_VERSION,
        'p1',
        { event_id: parsed.event_id, ...payload, created_at: at },
        parsed.event_id,
        at,
      );
      expect(text).toBe(JSON.stringify(expected));
      expect(text).toBe(TOPIC_CODECS.decisions.encode(expected)); // the typed codec writes the same bytes
      const decoded = decodeEnvelope(
        text,
        DECISION_EVENT_TYPE,
        [DECISION_SCHEMA_VERSION],
        DECISION_PAYLOAD_SHAPE,
      );
      expect(decoded.ok).toBe(decodable);
    }
  });

  it('writes a usage event as createEnvelope would, decodable by the consumers', () => {
    const usage: UsagePayload = {
      request_id: 'r-1',
      key_id: 'k1',
      model: 'gpt-4o-mini',
      input_tokens: 12,
      output_tokens: 30,
      total_tokens: 42,
      usage_estimated: true,
      streamed: true,
      status: 'cancelled',
      http_status: 499,
      error_code: null,
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T00:00:01.000Z',
    };
    const cases: [UsagePayload, boolean][] = [
      [usage, true],
      [{ ...usage, error_code: 'upstream_error', status: 'error' }, true],
      [{ ...usage, error_code: 'upstream_"error"', status: 'error' }, false],
    ];
    for (const [payload, decodable] of cases) {
      const ms = 1_760_000_000_456;
      const text = encodeUsage('p1', payload, ms);
      const parsed = JSON.parse(text) as { event_id: string };
      const expected = createEnvelope(
        USAGE_EVENT_TYPE,
        USAGE_SCHEMA_VERSION,
        'p1',
        payload,
        parsed.event_id,
        new Date(ms).toISOString(),
      );
      expect(text).toBe(JSON.stringify(expected));
      expect(decodeEnvelope(text, USAGE_EVENT_TYPE, [USAGE_SCHEMA_VERSION], USAGE_PAYLOAD_SHAPE).ok).toBe(
        decodable,
      );
    }
  });
});
