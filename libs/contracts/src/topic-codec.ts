import { decodeEnvelope, type DecodeResult, type EventEnvelope } from './events/event-envelope';
import { isRecord, type Check } from './events/field-checks';
import {
  DECISION_EVENT_TYPE,
  DECISION_PAYLOAD_SHAPE,
  DECISION_SCHEMA_VERSION,
  type DecisionEvent,
  type DecisionPayload,
} from './events/decision-event';
import {
  USAGE_EVENT_TYPE,
  USAGE_PAYLOAD_SHAPE,
  USAGE_SCHEMA_VERSION,
  type UsageEvent,
  type UsagePayload,
} from './events/usage-event';
import type { DeadLetterRecord } from './events/dead-letter';
import type {
  KeyStateRecord,
  PolicyStateRecord,
  ProjectStateRecord,
  QuotaStateRecord,
} from './state/state-records';

/**
 * Phantom types of the typed event bus. Nothing of them exists at runtime: a `Topic<T>` is the topic's
 * name (a plain string, so logs, `@EventPattern` and offset helpers keep taking it) and an `Encoded<T>` is
 * the message value. Both are covariant in T, so a `Topic<DecisionEvent>` never accepts an
 * `Encoded<UsageEvent>`, a key-state message never decodes as a policy-state record, and generic code can
 * still take any topic as `Topic<unknown>`.
 */
declare const topicPayload: unique symbol;
declare const encodedPayload: unique symbol;

export type Topic<T> = string & { readonly [topicPayload]: T };
export type Encoded<T> = string & { readonly [encodedPayload]: T };
/** The payload type a topic constant carries. */
export type PayloadOf<TTopic> = TTopic extends Topic<infer T> ? T : never;

/** How one topic's payload is written and read: encode on publish, decode (never throw) on consume. */
export interface TopicCodec<T> {
  encode(payload: T): Encoded<T>;
  decode(value: Buffer | string | null): DecodeResult<T>;
}

/** The payload contract of each topic of topics.json. */
export interface TopicPayloads {
  decisions: DecisionEvent;
  usage: UsageEvent;
  policyState: PolicyStateRecord;
  keyState: KeyStateRecord;
  projectState: ProjectStateRecord;
  quotaState: QuotaStateRecord;
  deadLetter: DeadLetterRecord;
}

/**
 * A message value that was encoded elsewhere: the gateway's hand-written fast encoders, rows the outbox
 * stored after a typed encode, and tests that send malformed bytes on purpose. Every use is a claim the
 * compiler cannot check, so keep them few and say why at each one.
 */
export function uncheckedEncoded<T>(value: string): Encoded<T> {
  return value as Encoded<T>;
}

/** A topic name read back from storage (the outbox table), whose values were typed when they were stored. */
export function storedTopic(name: string): Topic<unknown> {
  return name as Topic<unknown>;
}

const json = <T>(payload: T): Encoded<T> => JSON.stringify(payload) as Encoded<T>;

const text = (value: Buffer | string): string => (typeof value === 'string' ? value : value.toString('utf8'));

/** Event topics: the contract's envelope decoder is the authority. */
const envelopeCodec = <TType extends string, TPayload>(
  type: TType,
  versions: readonly number[],
  shape: Record<string, Check>,
): TopicCodec<EventEnvelope<TType, TPayload>> => ({
  encode: json,
  decode: (value) => decodeEnvelope<TType, TPayload>(value, type, versions, shape),
});

/**
 * State and dead-letter topics carry records our own services write (through the outbox or the decoder),
 * so decoding checks only that the value is a JSON object; consumers keep their field-level guards.
 */
const recordCodec = <T>(): TopicCodec<T> => ({
  encode: json,
  decode: (value) => {
    if (value === null) return { ok: false, reason: 'message has no value' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text(value));
    } catch {
      return { ok: false, reason: 'message is not valid JSON' };
    }
    return isRecord(parsed)
      ? { ok: true, value: parsed as T }
      : { ok: false, reason: 'record must be an object' };
  },
});

export const TOPIC_CODECS: { readonly [K in keyof TopicPayloads]: TopicCodec<TopicPayloads[K]> } = {
  decisions: envelopeCodec<typeof DECISION_EVENT_TYPE, DecisionPayload>(
    DECISION_EVENT_TYPE,
    [DECISION_SCHEMA_VERSION],
    DECISION_PAYLOAD_SHAPE,
  ),
  usage: envelopeCodec<typeof USAGE_EVENT_TYPE, UsagePayload>(
    USAGE_EVENT_TYPE,
    [USAGE_SCHEMA_VERSION],
    USAGE_PAYLOAD_SHAPE,
  ),
  policyState: recordCodec<PolicyStateRecord>(),
  keyState: recordCodec<KeyStateRecord>(),
  projectState: recordCodec<ProjectStateRecord>(),
  quotaState: recordCodec<QuotaStateRecord>(),
  deadLetter: recordCodec<DeadLetterRecord>(),
};
