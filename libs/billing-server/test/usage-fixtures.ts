import {
  createEnvelope,
  USAGE_EVENT_TYPE,
  USAGE_SCHEMA_VERSION,
  uuidv7,
  type ProjectStateRecord,
  type UsageEvent,
  type UsagePayload,
} from '@pgw/contracts';

export function usageEvent(
  projectId: string,
  overrides: Partial<UsagePayload> = {},
  eventId: string = uuidv7(),
): UsageEvent {
  const input = overrides.input_tokens ?? 100;
  const output = overrides.output_tokens ?? 50;
  const startedAt = overrides.started_at ?? new Date().toISOString();
  const payload: UsagePayload = {
    request_id: `req_${eventId.slice(-12)}`,
    key_id: 'key00001',
    model: 'gpt-test',
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    usage_estimated: false,
    streamed: false,
    status: 'ok',
    http_status: 200,
    error_code: null,
    started_at: startedAt,
    finished_at: new Date(Date.parse(startedAt) + 250).toISOString(),
    ...overrides,
  };
  return createEnvelope(USAGE_EVENT_TYPE, USAGE_SCHEMA_VERSION, projectId, payload, eventId);
}

export function projectState(
  projectId: string,
  monthlyBudgetMicros: number | null,
  softPercent = 80,
): ProjectStateRecord {
  return {
    project_id: projectId,
    name: `project ${projectId}`,
    plan: 'team',
    default_rollout_mode: 'enforce',
    allowed_models: ['gpt-test'],
    limits: { requests_per_minute: null, tokens_per_minute: null },
    key_limits: { requests_per_minute: null, tokens_per_minute: null },
    monthly_budget_micros: monthlyBudgetMicros,
    budget_soft_alert_percent: softPercent,
    audit_retention_days: 30,
    updated_at: new Date().toISOString(),
  };
}

export const asMessage = (event: UsageEvent): { key: string; value: string } => ({
  key: event.project_id,
  value: JSON.stringify(event),
});

/** JSON.parse that answers null for a value that is not JSON (shared topics carry other tests' records). */
export function parseJson<T>(value: string | null): T | null {
  try {
    return JSON.parse(value ?? 'null') as T | null;
  } catch {
    return null;
  }
}
