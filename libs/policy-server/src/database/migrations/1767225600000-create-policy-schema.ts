import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Projects, scoped keys (hash only), immutable policy revisions, the change history and the outbox. */
export class CreatePolicySchema1767225600000 implements MigrationInterface {
  name = 'CreatePolicySchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE policy.projects (
        id text PRIMARY KEY,
        name text NOT NULL,
        plan text NOT NULL,
        default_rollout_mode text NOT NULL,
        allowed_models jsonb NOT NULL,
        requests_per_minute integer,
        tokens_per_minute integer,
        key_requests_per_minute integer,
        key_tokens_per_minute integer,
        monthly_budget_micros bigint,
        budget_soft_alert_percent integer NOT NULL,
        audit_retention_days integer NOT NULL,
        active_revision integer,
        policy_activated_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX projects_created_idx ON policy.projects (created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE policy.api_keys (
        id text PRIMARY KEY,
        project_id text NOT NULL REFERENCES policy.projects (id),
        name text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        allowed_models jsonb,
        requests_per_minute integer,
        tokens_per_minute integer,
        expires_at timestamptz,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX api_keys_project_idx ON policy.api_keys (project_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE policy.policy_revisions (
        project_id text NOT NULL REFERENCES policy.projects (id),
        revision integer NOT NULL,
        config jsonb NOT NULL,
        rollout_mode text NOT NULL,
        canary_percent integer NOT NULL,
        author text NOT NULL,
        message text,
        diff jsonb NOT NULL,
        rolled_back_from integer,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (project_id, revision)
      )`);
    await queryRunner.query(`
      CREATE TABLE policy.change_history (
        id bigserial PRIMARY KEY,
        project_id text,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        changes jsonb NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX change_history_project_idx ON policy.change_history (project_id, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE policy.outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        message_key text NOT NULL,
        message_value text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE policy.outbox`);
    await queryRunner.query(`DROP TABLE policy.change_history`);
    await queryRunner.query(`DROP TABLE policy.policy_revisions`);
    await queryRunner.query(`DROP TABLE policy.api_keys`);
    await queryRunner.query(`DROP TABLE policy.projects`);
  }
}
