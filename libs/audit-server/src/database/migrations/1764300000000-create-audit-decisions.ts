import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log. Two levels of partitioning: LIST by retention class (days), then RANGE by created_at in
 * each class, so purging is `DROP TABLE` of a whole time partition of one class. Every text column is a
 * short bounded varchar of metadata: there is deliberately no column that could hold prompt, completion or
 * matched text. The class list is frozen here (a new class = a new migration).
 */
const CLASSES = [30, 60, 90, 180, 365, 730, 1095, 1825, 3650];

export class CreateAuditDecisions1764300000000 implements MigrationInterface {
  name = 'CreateAuditDecisions1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit.decisions (
        event_id uuid NOT NULL,
        -- millisecond precision (what events carry), so keyset cursors round-trip exactly through JS
        created_at timestamptz NOT NULL CHECK (created_at = date_trunc('milliseconds', created_at)),
        retention_class smallint NOT NULL,
        project_id varchar(64) NOT NULL,
        request_id varchar(128) NOT NULL,
        decision varchar(8) NOT NULL CHECK (decision IN ('allow', 'flag', 'redact', 'block')),
        reason_code varchar(64) NOT NULL,
        triggered_categories varchar(96)[] NOT NULL CHECK (cardinality(triggered_categories) <= 64),
        rollout_mode varchar(8) NOT NULL CHECK (rollout_mode IN ('enforce', 'shadow', 'canary')),
        enforced boolean NOT NULL,
        policy_id varchar(64),
        policy_user varchar(256),
        policy_project_id varchar(64) NOT NULL,
        policy_target varchar(8) NOT NULL CHECK (policy_target IN ('input', 'output')),
        allowlist_hits integer NOT NULL CHECK (allowlist_hits >= 0),
        denylist_hits integer NOT NULL CHECK (denylist_hits >= 0),
        model varchar(128) NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, created_at, retention_class)
      ) PARTITION BY LIST (retention_class)`);
    for (const retentionClass of CLASSES) {
      await queryRunner.query(
        `CREATE TABLE audit.decisions_r${retentionClass} PARTITION OF audit.decisions
           FOR VALUES IN (${retentionClass}) PARTITION BY RANGE (created_at)`,
      );
      await queryRunner.query(
        `CREATE TABLE audit.decisions_r${retentionClass}_default PARTITION OF audit.decisions_r${retentionClass} DEFAULT`,
      );
    }
    await queryRunner.query(
      `CREATE INDEX decisions_project_time_idx ON audit.decisions (project_id, created_at, event_id)`,
    );
    await queryRunner.query(`CREATE INDEX decisions_time_idx ON audit.decisions (created_at, event_id)`);
    await queryRunner.query(`
      CREATE TABLE audit.project_retention (
        project_id varchar(64) PRIMARY KEY,
        plan varchar(16) NOT NULL,
        retention_days integer NOT NULL,
        retention_class smallint NOT NULL,
        class_changed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS audit.project_retention`);
    await queryRunner.query(`DROP TABLE IF EXISTS audit.decisions CASCADE`);
  }
}
