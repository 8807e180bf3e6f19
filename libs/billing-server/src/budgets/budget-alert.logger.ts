import { Logger } from '@nestjs/common';
import type { BudgetAlert } from './budget-state.service';

const logger = new Logger('BillingBudget');

/** One line per alert: ids and integers only, never any request content. */
export function logBudgetAlerts(alerts: BudgetAlert[]): void {
  for (const alert of alerts) {
    logger.warn(
      `budget ${alert.kind === 'soft' ? 'soft alert' : 'exhausted'}: project=${alert.projectId} ` +
        `period=${alert.period} spent_micros=${alert.spentMicros} threshold_micros=${alert.thresholdMicros}`,
    );
  }
}
