import { Injectable } from '@nestjs/common';
import { TOPIC_CODECS, TOPICS, type QuotaStateRecord } from '@pgw/contracts';
import type { EntityManager } from 'typeorm';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { periodOf } from '../shared/periods';
import { BudgetRepository } from './budget.repository';
import { computeQuotaState, reachedThresholds, sameQuotaState, type BudgetAlertKind } from './budget-state';
import { ProjectBudgetSettings } from './project-budget-settings';
import type { RefreshResult } from './refresh-result';

/** Recomputes projects' current-period budget state and queues it for the quota-state topic when it changed. */
@Injectable()
export class BudgetStateService {
  constructor(
    private readonly budgets: BudgetRepository,
    private readonly outbox: OutboxRelay,
    private readonly settings: ProjectBudgetSettings,
  ) {}

  /** Runs inside the caller's transaction (the usage batch's, or its own for a settings change). */
  async refresh(
    manager: EntityManager,
    projectIds: Iterable<string>,
    now: Date = new Date(),
  ): Promise<RefreshResult> {
    const period = periodOf(now);
    const result: RefreshResult = { published: 0, alerts: [] };
    for (const projectId of [...new Set(projectIds)].sort()) {
      const spent = await this.budgets.lockSpend(manager, projectId, period);
      const next = computeQuotaState(projectId, period, spent, this.settings.get(projectId), now);
      const previous = await this.budgets.lastState(manager, projectId);
      if (previous && sameQuotaState(previous, next)) continue;
      await this.budgets.saveState(manager, next);
      await this.outbox.enqueue(manager, TOPICS.quotaState, projectId, TOPIC_CODECS.quotaState.encode(next));
      result.published++;
      for (const { kind, thresholdMicros } of reachedThresholds(next)) {
        if (await this.budgets.recordAlert(manager, next, kind, thresholdMicros)) {
          result.alerts.push({ projectId, period, kind, spentMicros: spent, thresholdMicros });
        }
      }
    }
    return result;
  }

  refreshAlone(projectIds: string[], now: Date = new Date()): Promise<RefreshResult> {
    return this.budgets.transaction((manager) => this.refresh(manager, projectIds, now));
  }

  /** The current period's state as computed now (not necessarily published yet). */
  async current(projectId: string, now: Date = new Date()): Promise<QuotaStateRecord> {
    const period = periodOf(now);
    const spent = await this.budgets.spend(projectId, period);
    return computeQuotaState(projectId, period, spent, this.settings.get(projectId), now);
  }

  alerts(projectId: string, period: string): Promise<{ kind: BudgetAlertKind; created_at: string }[]> {
    return this.budgets.alerts(projectId, period);
  }
}

export type { BudgetAlert, RefreshResult } from './refresh-result';
