import {
  DECISION_EVENT_TYPE,
  DECISION_PAYLOAD_SHAPE,
  DECISION_SCHEMA_VERSION,
  decodeEnvelope,
  type DecisionEvent,
  type DecisionPayload,
  type DecodeResult,
} from '@pgw/contracts';
import { DEFAULT_RETENTION_CLASS, type RetentionClass } from '../retention/retention-classes';
import { isValidDecisionEnvelope } from './decision-fast-check';

/** One audit row as the API reads it. */
export type DecisionRow = DecisionPayload & { project_id: string };

/** One audit row as the ingest path writes it: routed to its project's retention class. */
export interface ClassifiedDecisionRow extends DecisionRow {
  retention_class: RetentionClass;
}

const MAX_INT4 = 2_147_483_647;
const MAX_FUTURE_MS = 86_400_000;
const MIN_TIME_MS = Date.UTC(2000, 0, 1);

/**
 * The contract's checks, plus what Postgres would refuse: a value the database rejects would fail the
 * whole batch forever (a poison message blocking its partition), so such events are dead-lettered here.
 */
export function decodeDecisionMessage(
  raw: Buffer | null,
  now: number = Date.now(),
  retentionClassOf: (projectId: string) => RetentionClass = () => DEFAULT_RETENTION_CLASS,
): DecodeResult<ClassifiedDecisionRow> {
  const decoded = decodeDecisionEnvelope(raw);
  if (!decoded.ok) return decoded;
  const { event_id, project_id, payload } = decoded.value;
  const createdAt = Date.parse(payload.created_at);
  const reason = storageReason(project_id, payload, createdAt, now);
  if (reason) return { ok: false, reason };
  return {
    ok: true,
    value: {
      event_id,
      created_at: isoInstant(payload.created_at, createdAt),
      retention_class: retentionClassOf(project_id),
      project_id,
      request_id: payload.request_id,
      decision: payload.decision,
      reason_code: payload.reason_code,
      triggered_categories: payload.triggered_categories,
      rollout_mode: payload.rollout_mode,
      enforced: payload.enforced,
      policy_id: payload.policy_id,
      policy_user: payload.policy_user,
      policy_project_id: payload.policy_project_id,
      policy_target: payload.policy_target,
      allowlist_hits: payload.allowlist_hits,
      denylist_hits: payload.denylist_hits,
      model: payload.model,
    },
  };
}

/** The fast pre-check for the common (valid) case; the contract's decoder for everything else and for reasons. */
function decodeDecisionEnvelope(raw: Buffer | null): DecodeResult<DecisionEvent> {
  if (raw !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (isValidDecisionEnvelope(parsed)) return { ok: true, value: parsed };
  }
  return decodeEnvelope<typeof DECISION_EVENT_TYPE, DecisionPayload>(
    raw,
    DECISION_EVENT_TYPE,
    [DECISION_SCHEMA_VERSION],
    DECISION_PAYLOAD_SHAPE,
  );
}

/** The second ("YYYY-MM-DDTHH:mm:ss") of the last created_at normalised, and its epoch ms. */
let lastSecond = { prefix: '', ms: NaN };

/**
 * created_at as an ISO instant with milliseconds, i.e. `new Date(ms).toISOString()`. That call costs
 * ~1 µs, and nearly every event already carries the canonical form within the second seen just before,
 * so those are recognised by their prefix and kept as they are.
 */
function isoInstant(text: string, ms: number): string {
  if (
    text.length === 24 &&
    text.startsWith(lastSecond.prefix) &&
    text.charCodeAt(19) === 46 && // '.'
    text.charCodeAt(23) === 90 && // 'Z'
    isDigit(text.charCodeAt(20)) &&
    isDigit(text.charCodeAt(21)) &&
    isDigit(text.charCodeAt(22)) &&
    ms - lastSecond.ms < 1000 &&
    ms >= lastSecond.ms
  )
    return text;
  const iso = new Date(ms).toISOString();
  lastSecond = { prefix: iso.slice(0, 19), ms: ms - (ms % 1000) };
  return iso;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

const hasNul = (value: string | null): boolean => value !== null && value.includes('\u0000');

function storageReason(
  projectId: string,
  payload: DecisionPayload,
  createdAt: number,
  now: number,
): string | null {
  if (createdAt < MIN_TIME_MS) return 'payload.created_at is before 2000-01-01';
  if (createdAt > now + MAX_FUTURE_MS) return 'payload.created_at is more than a day in the future';
  if (payload.allowlist_hits > MAX_INT4) return 'payload.allowlist_hits is out of range';
  if (payload.denylist_hits > MAX_INT4) return 'payload.denylist_hits is out of range';
  // Postgres text cannot hold NUL. Checked field by field (no per-event arrays: this runs 20k times a second).
  if (hasNul(projectId)) return 'envelope.project_id contains a NUL character';
  if (hasNul(payload.request_id)) return 'payload.request_id contains a NUL character';
  if (hasNul(payload.reason_code)) return 'payload.reason_code contains a NUL character';
  if (hasNul(payload.policy_id)) return 'payload.policy_id contains a NUL character';
  if (hasNul(payload.policy_user)) return 'payload.policy_user contains a NUL character';
  if (hasNul(payload.policy_project_id)) return 'payload.policy_project_id contains a NUL character';
  if (hasNul(payload.model)) return 'payload.model contains a NUL character';
  const categories = payload.triggered_categories;
  for (let i = 0; i < categories.length; i++) {
    if (hasNul(categories[i])) return `payload.triggered_categories[${i}] contains a NUL character`;
  }
  return null;
}
