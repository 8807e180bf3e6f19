import {
  DECISION_EVENT_TYPE,
  DECISION_PAYLOAD_SHAPE,
  DECISION_SCHEMA_VERSION,
  decodeEnvelope,
  type DecisionPayload,
  type DecodeResult,
} from '@pgw/contracts';

/** One audit row as the ingest path writes it (retention class is added from project state). */
export type DecisionRow = DecisionPayload & { project_id: string };

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
): DecodeResult<DecisionRow> {
  const decoded = decodeEnvelope<typeof DECISION_EVENT_TYPE, DecisionPayload>(
    raw,
    DECISION_EVENT_TYPE,
    [DECISION_SCHEMA_VERSION],
    DECISION_PAYLOAD_SHAPE,
  );
  if (!decoded.ok) return decoded;
  const { event_id, project_id, payload } = decoded.value;
  const reason = storageReason(project_id, payload, now);
  if (reason) return { ok: false, reason };
  return {
    ok: true,
    value: {
      event_id,
      created_at: new Date(payload.created_at).toISOString(),
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

function storageReason(projectId: string, payload: DecisionPayload, now: number): string | null {
  const createdAt = Date.parse(payload.created_at);
  if (createdAt < MIN_TIME_MS) return 'payload.created_at is before 2000-01-01';
  if (createdAt > now + MAX_FUTURE_MS) return 'payload.created_at is more than a day in the future';
  if (payload.allowlist_hits > MAX_INT4) return 'payload.allowlist_hits is out of range';
  if (payload.denylist_hits > MAX_INT4) return 'payload.denylist_hits is out of range';
  const texts: [string, string | null][] = [
    ['envelope.project_id', projectId],
    ['payload.request_id', payload.request_id],
    ['payload.reason_code', payload.reason_code],
    ['payload.policy_id', payload.policy_id],
    ['payload.policy_user', payload.policy_user],
    ['payload.policy_project_id', payload.policy_project_id],
    ['payload.model', payload.model],
    ...payload.triggered_categories.map((c, i): [string, string] => [
      `payload.triggered_categories[${i}]`,
      c,
    ]),
  ];
  // Postgres text cannot hold NUL.
  for (const [field, value] of texts) {
    if (value !== null && value.includes('\u0000')) return `${field} contains a NUL character`;
  }
  return null;
}
