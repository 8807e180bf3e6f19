import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { QuotaStateRecord } from '@pgw/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';
import { toNullableNumber, toSafeNumber } from '../shared/money';
import type { BudgetAlertKind } from './budget-state';

interface QuotaRow {
  project_id: string;
  period: string;
  spent_micros: string;
  limit_micros: string | null;
  soft_limit_micros: string | null;
  exhausted: boolean;
  updated_at: Date;
}

const toRecord = (row: QuotaRow): QuotaStateRecord => ({
  project_id: row.project_id,
  period: row.period,
  spent_micros: toSafeNumber(row.spent_micros),
  limit_micros: toNullableNumber(row.limit_micros),
  soft_limit_micros: toNullableNumber(row.soft_limit_micros),
  exhausted: row.exhausted,
  updated_at: new Date(row.updated_at).toISOString(),
});

@Injectable()
export class BudgetRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * The period's spend, with its row locked until commit: concurrent batches and settings changes for
   * one project are serialised here, so the published states follow the order of the commits.
   */
  async lockSpend(manager: EntityManager, projectId: string, period: string): Promise<number> {
    const rows: { spent_micros: string }[] = await manager.query(
      `INSERT INTO billing.budget_periods (project_id, period) VALUES ($1, $2)
       ON CONFLICT (project_id, period) DO UPDATE SET spent_micros = billing.budget_periods.spent_micros
       RETURNING spent_micros`,
      [projectId, period],
    );
    return toSafeNumber(rows[0].spent_micros);
  }

  async spend(projectId: string, period: string): Promise<number> {
    const rows: { spent_micros: string }[] = await this.dataSource.query(
      `SELECT spent_micros FROM billing.budget_periods WHERE project_id = $1 AND period = $2`,
      [projectId, period],
    );
    return rows.length ? toSafeNumber(rows[0].spent_micros) : 0;
  }

  async lastState(manager: EntityManager | null, projectId: string): Promise<QuotaStateRecord | null> {
    const rows: QuotaRow[] = await (manager ?? this.dataSource).query(
      `SELECT * FROM billing.quota_states WHERE project_id = $1`,
      [projectId],
    );
    return rows.length ? toRecord(rows[0]) : null;
  }

  async saveState(manager: EntityManager, state: QuotaStateRecord): Promise<void> {
    await manager.query(
      `INSERT INTO billing.quota_states
         (project_id, period, spent_micros, limit_micros, soft_limit_micros, exhausted, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (project_id) DO UPDATE SET period = EXCLUDED.period, spent_micros = EXCLUDED.spent_micros,
         limit_micros = EXCLUDED.limit_micros, soft_limit_micros = EXCLUDED.soft_limit_micros,
         exhausted = EXCLUDED.exhausted, updated_at = EXCLUDED.updated_at`,
      [
        state.project_id,
        state.period,
        state.spent_micros,
        state.limit_micros,
        state.soft_limit_micros,
        state.exhausted,
        state.updated_at,
      ],
    );
  }

  /** Records an alert once per project, period and kind; true when this call recorded it. */
  async recordAlert(
    manager: EntityManager,
    state: QuotaStateRecord,
    kind: BudgetAlertKind,
    thresholdMicros: number,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO billing.budget_alerts (project_id, period, kind, threshold_micros, spent_micros)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING kind`,
      [state.project_id, state.period, kind, thresholdMicros, state.spent_micros],
    );
    return rows.length > 0;
  }

  async alerts(projectId: string, period: string): Promise<{ kind: BudgetAlertKind; created_at: string }[]> {
    const rows: { kind: BudgetAlertKind; created_at: Date }[] = await this.dataSource.query(
      `SELECT kind, created_at FROM billing.budget_alerts WHERE project_id = $1 AND period = $2 ORDER BY created_at, kind DESC`,
      [projectId, period],
    );
    return rows.map((row) => ({ kind: row.kind, created_at: new Date(row.created_at).toISOString() }));
  }
}
