import {
  createEnvelope,
  DECISION_EVENT_TYPE,
  DECISION_PAYLOAD_SHAPE,
  DECISION_SCHEMA_VERSION,
  decodeEnvelope,
  uuidv7,
  type DecisionPayload,
} from '@pgw/contracts';
import { FAST_CHECKED_PAYLOAD_FIELDS, isValidDecisionEnvelope } from './decision-fast-check';

const NOW = Date.parse('2026-03-15T12:00:00Z');

function payload(): DecisionPayload {
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
  };
}

const envelopeJson = (p: Record<string, unknown> = { ...payload() }): string =>
  JSON.stringify(createEnvelope(DECISION_EVENT_TYPE, DECISION_SCHEMA_VERSION, 'proj_a', p));

const contractAccepts = (json: string): boolean =>
  decodeEnvelope(json, DECISION_EVENT_TYPE, [DECISION_SCHEMA_VERSION], DECISION_PAYLOAD_SHAPE).ok;

const fastAccepts = (json: string): boolean => isValidDecisionEnvelope(JSON.parse(json));

/** Values every field is tried with: wrong types, boundaries on both sides, odd numbers, odd strings. */
const PROBES: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  '',
  'x',
  'allow',
  'canary',
  'output',
  'not-a-time',
  '2026-03-15T12:00:00Z',
  '2026-03-15T12:00:00.000Z' + ' '.repeat(16),
  '2026-03-15T12:00:00.000Z' + ' '.repeat(17),
  uuidv7(NOW),
  uuidv7(NOW).toUpperCase(),
  [],
  ['a'],
  [1],
  Array.from({ length: 64 }, () => 'c'),
  Array.from({ length: 65 }, () => 'c'),
  ['c'.repeat(96)],
  ['c'.repeat(97)],
  {},
  ...[36, 37, 64, 65, 128, 129, 256, 257].map((n) => 'a'.repeat(n)),
];

function mutate(target: Record<string, unknown>, field: string, value: unknown): void {
  if (value === undefined) delete target[field];
  else target[field] = value;
}

describe('isValidDecisionEnvelope (the ingest fast path)', () => {
  it('knows exactly the fields of the contract (the table is typed by it; this checks the runtime shape)', () => {
    expect([...FAST_CHECKED_PAYLOAD_FIELDS].sort()).toEqual(Object.keys(DECISION_PAYLOAD_SHAPE).sort());
  });

  it('accepts a valid event (the common case never takes the slow path)', () => {
    expect(fastAccepts(envelopeJson())).toBe(true);
    expect(
      fastAccepts(
        envelopeJson({ ...payload(), policy_id: null, policy_user: null, triggered_categories: [] }),
      ),
    ).toBe(true);
  });

  it.each(FAST_CHECKED_PAYLOAD_FIELDS.map((field) => [field]))(
    'agrees with the contract on every probe of payload.%s',
    (field) => {
      for (const value of PROBES) {
        const p: Record<string, unknown> = { ...payload() };
        mutate(p, field, value);
        const json = envelopeJson(p);
        // Never more permissive than the contract; as permissive wherever the contract accepts.
        expect({ value, fast: fastAccepts(json) }).toEqual({ value, fast: contractAccepts(json) });
      }
    },
  );

  it.each(['event_id', 'type', 'schema_version', 'occurred_at', 'project_id', 'payload'].map((f) => [f]))(
    'agrees with the contract on every probe of envelope.%s',
    (field) => {
      for (const value of [...PROBES, 2, DECISION_SCHEMA_VERSION, DECISION_EVENT_TYPE]) {
        const envelope = JSON.parse(envelopeJson()) as Record<string, unknown>;
        mutate(envelope, field, value);
        const json = JSON.stringify(envelope);
        expect({ value, fast: fastAccepts(json) }).toEqual({ value, fast: contractAccepts(json) });
      }
    },
  );

  it.each(['prompt', '__proto__', 'constructor', 'toString'])(
    'never accepts an extra field %s (the contract stays the judge of it)',
    (extra) => {
      const json = envelopeJson();
      const inEnvelope = `{"${extra}":"some text",${json.slice(1)}`;
      const inPayload = json.replace('"payload":{', `"payload":{"${extra}":"some text",`);
      for (const variant of [inEnvelope, inPayload]) {
        expect(fastAccepts(variant)).toBe(false);
      }
    },
  );

  it('refuses what is not an object', () => {
    for (const value of [null, 1, 'x', [], [{}]]) expect(isValidDecisionEnvelope(value)).toBe(false);
  });
});
