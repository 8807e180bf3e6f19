import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing's tables. Money is bigint micro-dollars, tokens are integers; no column can hold prompt or
 * completion text. Raw usage rows are deleted by started_at (indexed) by the retention job.
 */
export class CreateBillingTables1767225600000 implements MigrationInterface {
  name = 'CreateBillingTables1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE billing.usage_events (
        event_id uuid PRIMARY KEY,
        project_id text NOT NULL,
        key_id text NOT NULL,
        model text NOT NULL,
        input_tokens bigint NOT NULL CHECK (input_tokens >= 0),
        output_tokens bigint NOT NULL CHECK (output_tokens >= 0),
        total_tokens bigint NOT NULL CHECK (total_tokens >= 0),
        usage_estimated boolean NOT NULL,
        streamed boolean NOT NULL,
        status text NOT NULL,
        http_status integer NOT NULL,
        error_code text NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        price_micros_per_million bigint NOT NULL CHECK (price_micros_per_million >= 0),
        cost_micros bigint NOT NULL CHECK (cost_micros >= 0),
        ingested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX usage_events_started_at_idx ON billing.usage_events (started_at)`);
    await queryRunner.query(
      `CREATE INDEX usage_events_project_started_idx ON billing.usage_events (project_id, started_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE billing.usage_hourly (
        project_id text NOT NULL,
        model text NOT NULL,
        hour timestamptz NOT NULL,
        requests bigint NOT NULL,
        input_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL,
        total_tokens bigint NOT NULL,
        cost_micros bigint NOT NULL,
        PRIMARY KEY (project_id, hour, model)
      )`);
    await queryRunner.query(`CREATE INDEX usage_hourly_hour_idx ON billing.usage_hourly (hour)`);
    await queryRunner.query(`
      CREATE TABLE billing.budget_periods (
        project_id text NOT NULL,
        period char(7) NOT NULL,
        spent_micros bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, period)
      )`);
    await queryRunner.query(`
      CREATE TABLE billing.prices (
        model text NOT NULL,
        effective_from timestamptz NOT NULL,
        price_micros_per_million bigint NOT NULL CHECK (price_micros_per_million >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model, effective_from)
      )`);
    await queryRunner.query(`
      CREATE TABLE billing.quota_states (
        project_id text PRIMARY KEY,
        period char(7) NOT NULL,
        spent_micros bigint NOT NULL,
        limit_micros bigint NULL,
        soft_limit_micros bigint NULL,
        exhausted boolean NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE billing.budget_alerts (
        project_id text NOT NULL,
        period char(7) NOT NULL,
        kind text NOT NULL CHECK (kind IN ('soft', 'exhausted')),
        threshold_micros bigint NOT NULL,
        spent_micros bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, period, kind)
      )`);
    await queryRunner.query(`
      CREATE TABLE billing.outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        message_key text NOT NULL,
        message_value text NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'outbox',
      'budget_alerts',
      'quota_states',
      'prices',
      'budget_periods',
      'usage_hourly',
      'usage_events',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS billing.${table}`);
    }
  }
}
