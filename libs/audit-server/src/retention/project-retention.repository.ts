import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PlanId } from '@pgw/contracts';
import type { DataSource } from 'typeorm';
import { AUDIT_DATA_SOURCE } from '../audit-server.options';
import { DEFAULT_RETENTION_CLASS, type RetentionClass } from './retention-classes';

export interface ProjectRetention {
  projectId: string;
  plan: PlanId;
  retentionDays: number;
  retentionClass: RetentionClass;
}

/**
 * Audit's own copy of each project's retention (the policy service owns the setting and publishes it),
 * so routing and purging stay right across restarts even before the state topic has been read again.
 */
@Injectable()
export class ProjectRetentionRepository {
  constructor(@InjectDataSource(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async loadAll(): Promise<ProjectRetention[]> {
    const rows: { project_id: string; plan: PlanId; retention_days: number; retention_class: number }[] =
      await this.dataSource.query(
        `SELECT project_id, plan, retention_days, retention_class FROM audit.project_retention`,
      );
    return rows.map((row) => ({
      projectId: row.project_id,
      plan: row.plan,
      retentionDays: row.retention_days,
      retentionClass: row.retention_class as RetentionClass,
    }));
  }

  /**
   * Upserts and stamps `class_changed_at` when the class differs from the stored one (or, for a project
   * seen for the first time, from the default class its earlier rows went to): the maintenance job then
   * moves the project's rows to the new class.
   */
  async save(retention: ProjectRetention): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO audit.project_retention AS r (project_id, plan, retention_days, retention_class, class_changed_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $4::smallint <> $5::smallint THEN now() END)
       ON CONFLICT (project_id) DO UPDATE SET
         plan = EXCLUDED.plan,
         retention_days = EXCLUDED.retention_days,
         retention_class = EXCLUDED.retention_class,
         class_changed_at = CASE WHEN r.retention_class <> EXCLUDED.retention_class THEN now() ELSE r.class_changed_at END,
         updated_at = now()`,
      [
        retention.projectId,
        retention.plan,
        retention.retentionDays,
        retention.retentionClass,
        DEFAULT_RETENTION_CLASS,
      ],
    );
  }

  async remove(projectId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM audit.project_retention WHERE project_id = $1`, [projectId]);
  }
}
