import type { BudgetAlertKind } from './budget-state';

/** What a budget-state refresh did (its own module: the metrics read it, the service produces it). */
export interface BudgetAlert {
  projectId: string;
  period: string;
  kind: BudgetAlertKind;
  spentMicros: number;
  thresholdMicros: number;
}

export interface RefreshResult {
  /** Quota records written to the outbox (the caller nudges the relay after commit). */
  published: number;
  /** Alerts recorded for the first time (the caller logs them after commit). */
  alerts: BudgetAlert[];
}
