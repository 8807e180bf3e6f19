import {
  bool,
  checkExact,
  int,
  isoTime,
  nullableStr,
  nullableToken,
  oneOf,
  str,
  token,
  tokenArray,
  type Check,
} from './field-checks';
import {
  CATEGORY_PATTERN_TOKEN,
  CODE_PATTERN,
  ENTITY_ID_PATTERN,
  MODEL_ID_PATTERN,
  REQUEST_ID_PATTERN,
} from './identifiers';
import type { EventEnvelope } from './event-envelope';

export const DECISIONS = ['allow', 'flag', 'redact', 'block'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

export const ROLLOUT_MODES = ['enforce', 'shadow', 'canary'] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

export const POLICY_TARGETS = ['input', 'output'] as const;
export type PolicyTarget = (typeof POLICY_TARGETS)[number];

/**
 * What a decision event's policy_target records: the rule target, prefixed by the endpoint when it is not
 * chat completions (plain 'input' / 'output' keep meaning chat completions, so every existing row, consumer
 * and filter reads as before). Embeddings have no text output, hence no 'embeddings.output'.
 */
export const DECISION_TARGETS = [
  'input',
  'output',
  'responses.input',
  'responses.output',
  'embeddings.input',
] as const;
export type DecisionTarget = (typeof DECISION_TARGETS)[number];

export const DECISION_EVENT_TYPE = 'policy.decision';
export const DECISION_SCHEMA_VERSION = 1;

/**
 * Exactly the documented audit fields, plus event_id and request_id. There is deliberately no field that
 * could carry prompt, completion or matched text.
 */
export interface DecisionPayload {
  event_id: string;
  request_id: string;
  decision: DecisionKind;
  reason_code: string;
  triggered_categories: string[];
  rollout_mode: RolloutMode;
  enforced: boolean;
  policy_id: string | null;
  policy_user: string | null;
  policy_project_id: string;
  policy_target: DecisionTarget;
  allowlist_hits: number;
  denylist_hits: number;
  model: string;
  created_at: string;
}

export type DecisionEvent = EventEnvelope<typeof DECISION_EVENT_TYPE, DecisionPayload>;

export const DECISION_PAYLOAD_SHAPE: Record<keyof DecisionPayload, Check> = {
  event_id: str(36),
  request_id: token(REQUEST_ID_PATTERN),
  decision: oneOf(DECISIONS),
  reason_code: token(CODE_PATTERN),
  triggered_categories: tokenArray(64, CATEGORY_PATTERN_TOKEN),
  rollout_mode: oneOf(ROLLOUT_MODES),
  enforced: bool,
  policy_id: nullableToken(ENTITY_ID_PATTERN),
  policy_user: nullableStr(256),
  policy_project_id: token(ENTITY_ID_PATTERN),
  policy_target: oneOf(DECISION_TARGETS),
  allowlist_hits: int,
  denylist_hits: int,
  model: token(MODEL_ID_PATTERN),
  created_at: isoTime,
};

export function checkDecisionPayload(payload: unknown): string | null {
  return checkExact(payload, 'payload', DECISION_PAYLOAD_SHAPE);
}
