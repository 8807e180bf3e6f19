import {
  createEnvelope,
  TOPIC_CODECS,
  TOPICS,
  uuidv7,
  type DecisionEvent,
  type DecisionPayload,
  type KeyStateRecord,
  type PolicyStateRecord,
  type UsageEvent,
  type UsagePayload,
} from '@pgw/contracts';
import type { IncomingMessage } from './event-bus.port';
import { InProcessEventBus } from './in-process/in-process-event-bus';

const at = '2026-01-02T03:04:05.678Z';

const decisionPayload: DecisionPayload = {
  event_id: uuidv7(),
  request_id: 'req-1',
  decision: 'block',
  reason_code: 'secret_detected',
  triggered_categories: ['secrets.aws'],
  rollout_mode: 'enforce',
  enforced: true,
  policy_id: 'pol_1',
  policy_user: null,
  policy_project_id: 'p1',
  policy_target: 'input',
  allowlist_hits: 0,
  denylist_hits: 1,
  model: 'gpt-4o-mini',
  created_at: at,
};

const usagePayload: UsagePayload = {
  request_id: 'req-1',
  key_id: 'key_1',
  model: 'gpt-4o-mini',
  input_tokens: 10,
  output_tokens: 5,
  total_tokens: 15,
  usage_estimated: false,
  streamed: false,
  status: 'ok',
  http_status: 200,
  error_code: null,
  started_at: at,
  finished_at: at,
};

const decision: DecisionEvent = createEnvelope(
  'policy.decision',
  1,
  'p1',
  decisionPayload,
  decisionPayload.event_id,
  at,
);
const usage: UsageEvent = createEnvelope('usage.recorded', 1, 'p1', usagePayload, uuidv7(), at);

const keyState: KeyStateRecord = {
  key_id: 'key_1',
  project_id: 'p1',
  secret_hash: 'ab'.repeat(32),
  status: 'active',
  allowed_models: null,
  limits: null,
  expires_at: null,
  updated_at: at,
};

/**
 * The typed bus is mostly a compile-time promise: each `@ts-expect-error` below is a mistake that must not
 * compile (tsc fails if the error ever disappears, i.e. if the types stop catching it). The runtime part
 * checks the codecs round-trip and reject what they should, through a real (in-process) bus.
 */
describe('typed event bus', () => {
  it('refuses, at compile time, a payload encoded for another topic or read as another shape', async () => {
    const bus = new InProcessEventBus();
    const usageValue = TOPIC_CODECS.usage.encode(usage);

    // @ts-expect-error a usage event cannot be published to the decisions topic
    bus.publish(TOPICS.decisions, [{ key: 'p1', value: usageValue }]);
    // @ts-expect-error a plain string is not an encoded decision event
    bus.publish(TOPICS.decisions, [{ key: 'p1', value: JSON.stringify(decision) }]);
    // @ts-expect-error the codec encodes only its own payload type
    TOPIC_CODECS.decisions.encode(usage);

    const onPolicyState = (message: IncomingMessage<PolicyStateRecord>): void => void message;
    // @ts-expect-error the key-state topic's messages are not policy-state messages
    await bus.follow({ topics: [TOPICS.keyState], onMessage: onPolicyState });
    await bus.consume({
      topic: TOPICS.usage,
      groupId: 'typed-bus.spec',
      // @ts-expect-error a usage consumer cannot take a batch of decision messages
      handler: async (batch: IncomingMessage<DecisionEvent>[]) => void batch,
    });

    // The right shapes compile and are delivered as sent.
    const seen: string[] = [];
    await bus.follow({
      topics: [TOPICS.keyState],
      onMessage: (message: IncomingMessage<KeyStateRecord>) => {
        const decoded = TOPIC_CODECS.keyState.decode(message.value);
        if (decoded.ok) seen.push(decoded.value.key_id);
      },
    });
    bus.publish(TOPICS.keyState, [{ key: 'key_1', value: TOPIC_CODECS.keyState.encode(keyState) }]);
    expect(seen).toEqual(['key_1']);
    await bus.close();
  });

  it('encodes and decodes each event through the contract decoder', () => {
    const decoded = TOPIC_CODECS.decisions.decode(Buffer.from(TOPIC_CODECS.decisions.encode(decision)));
    expect(decoded).toEqual({ ok: true, value: decision });
    expect(TOPIC_CODECS.usage.decode(TOPIC_CODECS.usage.encode(usage))).toEqual({ ok: true, value: usage });
  });

  it('answers a reason, never an exception, for what does not match the topic contract', () => {
    // A usage event on the decisions topic: the envelope type is wrong.
    expect(TOPIC_CODECS.decisions.decode(TOPIC_CODECS.usage.encode(usage))).toEqual({
      ok: false,
      reason: 'envelope.type must be policy.decision',
    });
    expect(TOPIC_CODECS.usage.decode('{not json')).toEqual({
      ok: false,
      reason: 'message is not valid JSON',
    });
    expect(TOPIC_CODECS.usage.decode(null)).toEqual({ ok: false, reason: 'message has no value' });
    const extra = JSON.stringify({ ...usage, payload: { ...usagePayload, prompt: 'text' } });
    const rejected = TOPIC_CODECS.usage.decode(extra);
    expect(rejected.ok).toBe(false);
    expect(TOPIC_CODECS.keyState.decode('[1,2]')).toEqual({ ok: false, reason: 'record must be an object' });
    expect(TOPIC_CODECS.keyState.decode(TOPIC_CODECS.keyState.encode(keyState))).toEqual({
      ok: true,
      value: keyState,
    });
  });

  it('types each topic constant with its name from topics.json', () => {
    expect(TOPICS.decisions).toBe('pgw.decisions.v1');
    expect(TOPICS.keyState).toBe('pgw.key-state.v1');
  });
});
