import type { QuotaStateRecord } from '@pgw/contracts';

export interface BudgetSettings {
  monthlyBudgetMicros: number | null;
  softAlertPercent: number;
}

/** A project's budget state for one period: what the gateway enforces (pure, integer arithmetic). */
export function computeQuotaState(
  projectId: string,
  period: string,
  spentMicros: number,
  settings: BudgetSettings | null,
  now: Date,
): QuotaStateRecord {
  const limit = settings?.monthlyBudgetMicros ?? null;
  const softLimit =
    limit === null || !settings ? null : Number((BigInt(limit) * BigInt(settings.softAlertPercent)) / 100n);
  return {
    project_id: projectId,
    period,
    spent_micros: spentMicros,
    limit_micros: limit,
    soft_limit_micros: softLimit,
    exhausted: limit !== null && spentMicros >= limit,
    updated_at: now.toISOString(),
  };
}

/** Equal apart from updated_at: nothing new to publish. */
export function sameQuotaState(a: QuotaStateRecord, b: QuotaStateRecord): boolean {
  return (
    a.project_id === b.project_id &&
    a.period === b.period &&
    a.spent_micros === b.spent_micros &&
    a.limit_micros === b.limit_micros &&
    a.soft_limit_micros === b.soft_limit_micros &&
    a.exhausted === b.exhausted
  );
}

export type BudgetAlertKind = 'soft' | 'exhausted';

/** Thresholds the state has reached (an alert row is recorded once per project, period and kind). */
export function reachedThresholds(
  state: QuotaStateRecord,
): { kind: BudgetAlertKind; thresholdMicros: number }[] {
  const reached: { kind: BudgetAlertKind; thresholdMicros: number }[] = [];
  if (state.soft_limit_micros !== null && state.spent_micros >= state.soft_limit_micros) {
    reached.push({ kind: 'soft', thresholdMicros: state.soft_limit_micros });
  }
  if (state.exhausted && state.limit_micros !== null) {
    reached.push({ kind: 'exhausted', thresholdMicros: state.limit_micros });
  }
  return reached;
}

/** Parses a project-state record's budget fields; null when the record is unusable. */
export function budgetSettingsFrom(value: unknown): BudgetSettings | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as { monthly_budget_micros?: unknown; budget_soft_alert_percent?: unknown };
  const budget = record.monthly_budget_micros;
  const percent = record.budget_soft_alert_percent;
  const budgetOk =
    budget === null || (typeof budget === 'number' && Number.isSafeInteger(budget) && budget >= 0);
  const percentOk =
    typeof percent === 'number' && Number.isInteger(percent) && percent >= 0 && percent <= 100;
  if (!budgetOk || !percentOk) return null;
  return { monthlyBudgetMicros: budget as number | null, softAlertPercent: percent as number };
}
