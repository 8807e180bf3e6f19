import { budgetSettingsFrom, computeQuotaState, reachedThresholds, sameQuotaState } from './budget-state';

const now = new Date('2026-03-05T10:00:00Z');

describe('budget state', () => {
  it('has no limit without a budget', () => {
    const state = computeQuotaState(
      'p1',
      '2026-03',
      123,
      { monthlyBudgetMicros: null, softAlertPercent: 80 },
      now,
    );
    expect(state).toEqual({
      project_id: 'p1',
      period: '2026-03',
      spent_micros: 123,
      limit_micros: null,
      soft_limit_micros: null,
      exhausted: false,
      updated_at: now.toISOString(),
    });
    expect(computeQuotaState('p1', '2026-03', 5, null, now).exhausted).toBe(false);
    expect(reachedThresholds(state)).toEqual([]);
  });

  it('computes the soft limit in integers and is exhausted at the limit', () => {
    const settings = { monthlyBudgetMicros: 1_000_001, softAlertPercent: 33 };
    expect(computeQuotaState('p', '2026-03', 330_000, settings, now)).toMatchObject({
      soft_limit_micros: 330_000,
      exhausted: false,
    });
    const atLimit = computeQuotaState('p', '2026-03', 1_000_001, settings, now);
    expect(atLimit.exhausted).toBe(true);
    expect(reachedThresholds(atLimit)).toEqual([
      { kind: 'soft', thresholdMicros: 330_000 },
      { kind: 'exhausted', thresholdMicros: 1_000_001 },
    ]);
    expect(computeQuotaState('p', '2026-03', 1_000_000, settings, now).exhausted).toBe(false);
  });

  it('compares states without their timestamps', () => {
    const a = computeQuotaState('p', '2026-03', 10, { monthlyBudgetMicros: 100, softAlertPercent: 80 }, now);
    const b = { ...a, updated_at: '2030-01-01T00:00:00.000Z' };
    expect(sameQuotaState(a, b)).toBe(true);
    expect(sameQuotaState(a, { ...a, spent_micros: 11 })).toBe(false);
    expect(sameQuotaState(a, { ...a, period: '2026-04' })).toBe(false);
  });

  it('reads budget settings from project-state records and refuses bad ones', () => {
    expect(
      budgetSettingsFrom({ monthly_budget_micros: 5, budget_soft_alert_percent: 80, name: 'x' }),
    ).toEqual({
      monthlyBudgetMicros: 5,
      softAlertPercent: 80,
    });
    expect(budgetSettingsFrom({ monthly_budget_micros: null, budget_soft_alert_percent: 0 })).toEqual({
      monthlyBudgetMicros: null,
      softAlertPercent: 0,
    });
    expect(budgetSettingsFrom({ monthly_budget_micros: -1, budget_soft_alert_percent: 80 })).toBeNull();
    expect(budgetSettingsFrom({ monthly_budget_micros: 1.5, budget_soft_alert_percent: 80 })).toBeNull();
    expect(budgetSettingsFrom({ monthly_budget_micros: 1, budget_soft_alert_percent: 101 })).toBeNull();
    expect(budgetSettingsFrom(null)).toBeNull();
  });
});
