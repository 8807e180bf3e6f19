import {
  CATEGORY_PATTERN_TOKEN,
  CODE_PATTERN,
  ENTITY_ID_PATTERN,
  MODEL_ID_PATTERN,
  REQUEST_ID_PATTERN,
  DECISION_EVENT_TYPE,
  DECISION_SCHEMA_VERSION,
  DECISIONS,
  isUuid,
  DECISION_TARGETS,
  ROLLOUT_MODES,
  type DecisionEvent,
  type DecisionPayload,
} from '@pgw/contracts';

/**
 * An allocation-free pre-check of a parsed decision envelope, for the ingest hot path. The contract's
 * generic validators build a path string for every field and cost ~7 µs per event (more than JSON.parse);
 * this does the same checks on the one shape audit reads. It may only say "valid" when the contract would:
 * anything it does not accept goes through the contract's decodeEnvelope, which stays the authority and
 * gives the dead-letter reason. decision-fast-check.spec.ts runs both on the same mutated events.
 */

const ENVELOPE_FIELDS = 6;

const isStr = (v: unknown, maxLength: number): boolean => typeof v === 'string' && v.length <= maxLength;
const isNullableStr = (v: unknown, maxLength: number): boolean => v === null || isStr(v, maxLength);
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isIsoTime = (v: unknown): boolean =>
  typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
const isOneOf = (v: unknown, values: readonly string[]): boolean =>
  typeof v === 'string' && values.includes(v);

const isToken = (v: unknown, pattern: RegExp): boolean => typeof v === 'string' && pattern.test(v);

function isTokenArray(v: unknown, maxItems: number, pattern: RegExp): boolean {
  if (!Array.isArray(v) || v.length > maxItems) return false;
  for (let i = 0; i < v.length; i++) if (!isToken(v[i], pattern)) return false;
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
 * One check per payload field, typed by the contract: a field added to or removed from `DecisionPayload`
 * fails to compile here until its check is written (the field list is the contract's, not a copy).
 */
const PAYLOAD_CHECKS: { readonly [K in keyof DecisionPayload]: (value: unknown) => boolean } = {
  event_id: (v) => isStr(v, 36),
  request_id: (v) => isToken(v, REQUEST_ID_PATTERN),
  decision: (v) => isOneOf(v, DECISIONS),
  reason_code: (v) => isToken(v, CODE_PATTERN),
  triggered_categories: (v) => isTokenArray(v, 64, CATEGORY_PATTERN_TOKEN),
  rollout_mode: (v) => isOneOf(v, ROLLOUT_MODES),
  enforced: (v) => typeof v === 'boolean',
  policy_id: (v) => v === null || isToken(v, ENTITY_ID_PATTERN),
  policy_user: (v) => isNullableStr(v, 256),
  policy_project_id: (v) => isToken(v, ENTITY_ID_PATTERN),
  policy_target: (v) => isOneOf(v, DECISION_TARGETS),
  allowlist_hits: isInt,
  denylist_hits: isInt,
  model: (v) => isToken(v, MODEL_ID_PATTERN),
  created_at: isIsoTime,
};

/** The payload fields this check knows (the contract's, by the table's type). */
export const FAST_CHECKED_PAYLOAD_FIELDS = Object.keys(PAYLOAD_CHECKS) as (keyof DecisionPayload)[];
const CHECKS = FAST_CHECKED_PAYLOAD_FIELDS.map((field) => [field, PAYLOAD_CHECKS[field]] as const);

/**
 * True only if `parsed` is exactly a valid `policy.decision` v1 envelope by the contract's rules. Every
 * check below fails on `undefined`, so "n valid named fields and n keys" means no extra field.
 */
export function isValidDecisionEnvelope(parsed: unknown): parsed is DecisionEvent {
  if (!isPlainRecord(parsed)) return false;
  if (
    countKeys(parsed) !== ENVELOPE_FIELDS ||
    !isUuid(parsed.event_id) ||
    parsed.type !== DECISION_EVENT_TYPE ||
    !isInt(parsed.schema_version) ||
    parsed.schema_version !== DECISION_SCHEMA_VERSION ||
    !isIsoTime(parsed.occurred_at) ||
    !isToken(parsed.project_id, ENTITY_ID_PATTERN)
  )
    return false;
  const p = parsed.payload;
  if (!isPlainRecord(p) || countKeys(p) !== CHECKS.length) return false;
  for (let i = 0; i < CHECKS.length; i++) if (!CHECKS[i][1](p[CHECKS[i][0]])) return false;
  return true;
}
