import { TOPIC_CODECS, type Encoded, type ProjectStateRecord, type UsageEvent } from '@pgw/contracts';

/** Usage events come from the shared fixture; project state and message helpers are billing's own. */
export { usageEvent } from '@pgw/testing';

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

export const asMessage = (event: UsageEvent): { key: string; value: Encoded<UsageEvent> } => ({
  key: event.project_id,
  value: TOPIC_CODECS.usage.encode(event),
});

/** JSON.parse that answers null for a value that is not JSON (shared topics carry other tests' records). */
export function parseJson<T>(value: string | null): T | null {
  try {
    return JSON.parse(value ?? 'null') as T | null;
  } catch {
    return null;
  }
}
