import {
  DECISION_EVENT_TYPE,
  DECISION_PAYLOAD_SHAPE,
  DECISION_SCHEMA_VERSION,
  DECISIONS,
  isUuid,
  POLICY_TARGETS,
  ROLLOUT_MODES,
  type DecisionEvent,
} from '@pgw/contracts';

/**
 * An allocation-free pre-check of a parsed decision envelope, for the ingest hot path. The contract's
 * generic validators build a path string for every field and cost ~7 µs per event (more than JSON.parse);
 * this does the same checks on the one shape audit reads. It may only say "valid" when the contract would:
 * anything it does not accept goes through the contract's decodeEnvelope, which stays the authority and
 * gives the dead-letter reason. decision-fast-check.spec.ts runs both on the same mutated events.
 */

/** The payload fields this check knows; if the contract's shape ever differs, the fast path switches off. */
export const FAST_CHECKED_PAYLOAD_FIELDS = [
  'event_id',
  'request_id',
  'decision',
  'reason_code',
  'triggered_categories',
  'rollout_mode',
  'enforced',
  'policy_id',
  'policy_user',
  'policy_project_id',
  'policy_target',
  'allowlist_hits',
  'denylist_hits',
  'model',
  'created_at',
] as const;

const ENVELOPE_FIELDS = 6;

export const FAST_PATH_ENABLED = sameFields(Object.keys(DECISION_PAYLOAD_SHAPE), FAST_CHECKED_PAYLOAD_FIELDS);

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((field) => b.includes(field));
}

const isStr = (v: unknown, maxLength: number): boolean => typeof v === 'string' && v.length <= maxLength;
const isNullableStr = (v: unknown, maxLength: number): boolean => v === null || isStr(v, maxLength);
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isIsoTime = (v: unknown): boolean =>
  typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
const isOneOf = (v: unknown, values: readonly string[]): boolean =>
  typeof v === 'string' && values.includes(v);

function isStrArray(v: unknown, maxItems: number, maxLength: number): boolean {
  if (!Array.isArray(v) || v.length > maxItems) return false;
  for (let i = 0; i < v.length; i++) if (!isStr(v[i], maxLength)) return false;
  return true;
}

/** Own enumerable keys (JSON.parse makes every key own, including "__proto__"). */
function countKeys(value: object): number {
  let n = 0;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) n++;
  return n;
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * True only if `parsed` is exactly a valid `policy.decision` v1 envelope by the contract's rules. Every
 * check below fails on `undefined`, so "n valid named fields and n keys" means no extra field.
 */
export function isValidDecisionEnvelope(parsed: unknown): parsed is DecisionEvent {
  if (!FAST_PATH_ENABLED || !isPlainRecord(parsed)) return false;
  if (
    countKeys(parsed) !== ENVELOPE_FIELDS ||
    !isUuid(parsed.event_id) ||
    parsed.type !== DECISION_EVENT_TYPE ||
    !isInt(parsed.schema_version) ||
    parsed.schema_version !== DECISION_SCHEMA_VERSION ||
    !isIsoTime(parsed.occurred_at) ||
    !isStr(parsed.project_id, 64)
  )
    return false;
  const p = parsed.payload;
  return (
    isPlainRecord(p) &&
    countKeys(p) === FAST_CHECKED_PAYLOAD_FIELDS.length &&
    isStr(p.event_id, 36) &&
    isStr(p.request_id, 128) &&
    isOneOf(p.decision, DECISIONS) &&
    isStr(p.reason_code, 64) &&
    isStrArray(p.triggered_categories, 64, 96) &&
    isOneOf(p.rollout_mode, ROLLOUT_MODES) &&
    typeof p.enforced === 'boolean' &&
    isNullableStr(p.policy_id, 64) &&
    isNullableStr(p.policy_user, 256) &&
    isStr(p.policy_project_id, 64) &&
    isOneOf(p.policy_target, POLICY_TARGETS) &&
    isInt(p.allowlist_hits) &&
    isInt(p.denylist_hits) &&
    isStr(p.model, 128) &&
    isIsoTime(p.created_at)
  );
}
