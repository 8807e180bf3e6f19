import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { AUDIT_DATA_SOURCE } from '../audit-server.options';
import {
  classTableName,
  defaultPartitionName,
  parsePartitionName,
  type PartitionWindow,
  type RetentionClass,
} from './retention-classes';

/** Arbitrary, fixed key of the advisory lock that keeps one maintenance run at a time across replicas. */
const MAINTENANCE_LOCK_KEY = 728_340_061;

const ROW_COLUMNS = `event_id, created_at, project_id, request_id, decision, reason_code, triggered_categories,
  rollout_mode, enforced, policy_id, policy_user, policy_project_id, policy_target, allowlist_hits, denylist_hits,
  model, ingested_at`;

/**
 * The DDL side of retention. Every method runs on the maintenance session (one connection holding the
 * maintenance advisory lock), each change in its own short transaction. Locks are always taken top-down
 * (class table, then its partitions), the order inserts take them, so maintenance never deadlocks ingestion.
 */
@Injectable()
export class PartitionRepository {
  constructor(@InjectDataSource(AUDIT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** Runs `work` holding the maintenance lock; returns null (without running) if another replica holds it. */
  async withMaintenanceLock<T>(work: (session: MaintenanceSession) => Promise<T>): Promise<T | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [
        MAINTENANCE_LOCK_KEY,
      ]);
      if (!locked) return null;
      try {
        return await work(new MaintenanceSession(runner));
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [MAINTENANCE_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}

export class MaintenanceSession {
  constructor(private readonly runner: QueryRunner) {}

  async classesInUse(): Promise<RetentionClass[]> {
    const rows: { retention_class: number }[] = await this.runner.query(
      `SELECT DISTINCT retention_class FROM audit.project_retention`,
    );
    return rows.map((row) => row.retention_class as RetentionClass);
  }

  async projectRetentions(): Promise<
    { projectId: string; retentionDays: number; retentionClass: RetentionClass }[]
  > {
    const rows: { project_id: string; retention_days: number; retention_class: number }[] =
      await this.runner.query(
        `SELECT project_id, retention_days, retention_class FROM audit.project_retention ORDER BY project_id`,
      );
    return rows.map((row) => ({
      projectId: row.project_id,
      retentionDays: row.retention_days,
      retentionClass: row.retention_class as RetentionClass,
    }));
  }

  /**
   * Deletes one project's rows older than its own retention, in its class (rows left in a previous class
   * are the class move's). The (project_id, created_at) index of each partition finds them.
   */
  async sweepProject(projectId: string, retentionClass: RetentionClass, cutoff: Date): Promise<number> {
    const rows: { n: number }[] = await this.runner.query(
      `WITH gone AS (
         DELETE FROM audit.decisions WHERE retention_class = $1 AND project_id = $2 AND created_at < $3
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [retentionClass, projectId, cutoff.toISOString()],
    );
    return rows[0].n;
  }

  async projectsWithClassChangedSince(
    since: Date,
  ): Promise<{ projectId: string; retentionClass: RetentionClass }[]> {
    const rows: { project_id: string; retention_class: number }[] = await this.runner.query(
      `SELECT project_id, retention_class FROM audit.project_retention WHERE class_changed_at >= $1`,
      [since.toISOString()],
    );
    return rows.map((row) => ({
      projectId: row.project_id,
      retentionClass: row.retention_class as RetentionClass,
    }));
  }

  /** Time partitions of one class that follow our naming scheme. */
  async partitionsOf(retentionClass: RetentionClass): Promise<PartitionWindow[]> {
    const rows: { name: string }[] = await this.runner.query(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = 'audit' AND p.relname = $1`,
      [classTableName(retentionClass)],
    );
    return rows.map((row) => parsePartitionName(row.name)).filter((w): w is PartitionWindow => w !== null);
  }

  async partitionExists(window: PartitionWindow): Promise<boolean> {
    const [{ exists }] = await this.runner.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      `audit.${window.name}`,
    ]);
    return exists;
  }

  /**
   * Creates the time partition; rows of its window that went to the class's DEFAULT partition meanwhile
   * (late or early events) are moved into it. Returns false if it already existed.
   */
  async createPartition(window: PartitionWindow): Promise<boolean> {
    const parent = `audit.${classTableName(window.retentionClass)}`;
    const fallback = `audit.${defaultPartitionName(window.retentionClass)}`;
    const table = `audit.${window.name}`;
    const bounds = `FROM ('${window.start.toISOString()}') TO ('${window.end.toISOString()}')`;
    const range = [window.start.toISOString(), window.end.toISOString()];
    return this.transaction(async () => {
      if (await this.partitionExists(window)) return false;
      await this.runner.query(`LOCK TABLE ${parent}, ${fallback} IN ACCESS EXCLUSIVE MODE`);
      const [{ stranded }] = await this.runner.query(
        `SELECT EXISTS (SELECT 1 FROM ${fallback} WHERE created_at >= $1 AND created_at < $2) AS stranded`,
        range,
      );
      if (!stranded) {
        await this.runner.query(`CREATE TABLE ${table} PARTITION OF ${parent} FOR VALUES ${bounds}`);
        return true;
      }
      await this.runner.query(
        `CREATE TABLE ${table} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
      );
      await this.runner.query(
        `WITH moved AS (DELETE FROM ${fallback} WHERE created_at >= $1 AND created_at < $2 RETURNING ${ROW_COLUMNS}, retention_class)
         INSERT INTO ${table} (${ROW_COLUMNS}, retention_class) SELECT * FROM moved`,
        range,
      );
      await this.runner.query(`ALTER TABLE ${parent} ATTACH PARTITION ${table} FOR VALUES ${bounds}`);
      return true;
    });
  }

  async dropPartition(window: PartitionWindow): Promise<void> {
    const parent = `audit.${classTableName(window.retentionClass)}`;
    await this.transaction(async () => {
      await this.runner.query(`LOCK TABLE ${parent} IN ACCESS EXCLUSIVE MODE`);
      await this.runner.query(`DROP TABLE IF EXISTS audit.${window.name}`);
    });
  }

  /** Epoch days that have rows in the class's DEFAULT partition within [from, to). */
  async strandedDays(retentionClass: RetentionClass, from: Date, to: Date): Promise<number[]> {
    const rows: { day: number }[] = await this.runner.query(
      `SELECT DISTINCT floor(extract(epoch FROM created_at) / 86400)::int AS day
         FROM audit.${defaultPartitionName(retentionClass)} WHERE created_at >= $1 AND created_at < $2`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((row) => row.day);
  }

  /** Stray rows past retention in a DEFAULT partition (rare: events that arrived after their partition). */
  async purgeDefault(retentionClass: RetentionClass, cutoff: Date): Promise<number> {
    const rows: { n: number }[] = await this.runner.query(
      `WITH gone AS (DELETE FROM audit.${defaultPartitionName(retentionClass)} WHERE created_at < $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff.toISOString()],
    );
    return rows[0].n;
  }

  /**
   * A project's class changed: its rows move to the new class (rows already past the new class's retention
   * are deleted instead). Idempotent, and duplicates across classes collapse (ON CONFLICT DO NOTHING).
   */
  async moveProjectRows(projectId: string, retentionClass: RetentionClass, cutoff: Date): Promise<number> {
    return this.transaction(async () => {
      await this.runner.query(
        `DELETE FROM audit.decisions WHERE project_id = $1 AND retention_class <> $2 AND created_at < $3`,
        [projectId, retentionClass, cutoff.toISOString()],
      );
      const rows: { n: number }[] = await this.runner.query(
        `WITH moved AS (
           DELETE FROM audit.decisions WHERE project_id = $1 AND retention_class <> $2 RETURNING ${ROW_COLUMNS}
         ), inserted AS (
           INSERT INTO audit.decisions (${ROW_COLUMNS}, retention_class)
           SELECT moved.*, $2::smallint FROM moved
           ON CONFLICT (event_id, created_at, retention_class) DO NOTHING RETURNING 1
         ) SELECT count(*)::int AS n FROM inserted`,
        [projectId, retentionClass],
      );
      return rows[0].n;
    });
  }

  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.runner.startTransaction();
    try {
      const result = await work();
      await this.runner.commitTransaction();
      return result;
    } catch (error) {
      await this.runner.rollbackTransaction();
      throw error;
    }
  }
}
