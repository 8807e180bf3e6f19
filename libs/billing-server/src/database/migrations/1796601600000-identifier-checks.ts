import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing's columns take only their token shapes (the patterns of `@pgw/contracts` identifiers.ts, as
 * POSIX regexes frozen here): ids, models, codes, periods and topics cannot hold a sentence, so a client's
 * text has nowhere to go in raw usage rows, rollups or budgets. Rows from before are scrubbed first: a
 * model that is not a model id becomes `unknown` (rollups merged into the `unknown` row), a request id
 * that is not a token is dropped, an error code becomes `other`. The outbox's value is the service's own
 * encoded quota record (ids and numbers), bounded in size.
 */
const REQUEST_ID = `'^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'`;
const MODEL_ID = `'^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$'`;
const PRICED_MODEL = `'^([*]|[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127})$'`;
const ENTITY_ID = `'^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'`;
const CODE = `'^[A-Za-z0-9_.:-]{1,64}$'`;
const PERIOD = `'^[0-9]{4}-[0-9]{2}$'`;
const TOPIC = `'^[A-Za-z0-9._-]{1,249}$'`;

const CHECKS: Record<string, string[]> = {
  usage_events: [
    `usage_events_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `usage_events_key_id_token CHECK (key_id ~ ${ENTITY_ID})`,
    `usage_events_model_token CHECK (model ~ ${MODEL_ID})`,
    `usage_events_request_id_token CHECK (request_id ~ ${REQUEST_ID})`,
    `usage_events_status_known CHECK (status IN ('ok', 'cancelled', 'error', 'blocked', 'rejected'))`,
    `usage_events_error_code_token CHECK (error_code ~ ${CODE})`,
  ],
  usage_hourly: [
    `usage_hourly_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `usage_hourly_model_token CHECK (model ~ ${MODEL_ID})`,
  ],
  budget_periods: [
    `budget_periods_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `budget_periods_period_month CHECK (period ~ ${PERIOD})`,
  ],
  prices: [`prices_model_token CHECK (model ~ ${PRICED_MODEL})`],
  quota_states: [
    `quota_states_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `quota_states_period_month CHECK (period ~ ${PERIOD})`,
  ],
  budget_alerts: [
    `budget_alerts_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `budget_alerts_period_month CHECK (period ~ ${PERIOD})`,
  ],
  outbox: [
    `outbox_topic_token CHECK (topic ~ ${TOPIC})`,
    `outbox_message_key_token CHECK (message_key ~ ${ENTITY_ID})`,
    `outbox_message_value_bounded CHECK (length(message_value) <= 4096)`,
  ],
};

export class IdentifierChecks1796601600000 implements MigrationInterface {
  name = 'IdentifierChecks1796601600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE billing.usage_events SET model = 'unknown' WHERE model !~ ${MODEL_ID}`);
    await queryRunner.query(
      `UPDATE billing.usage_events SET request_id = NULL WHERE request_id !~ ${REQUEST_ID}`,
    );
    await queryRunner.query(
      `UPDATE billing.usage_events SET error_code = 'other' WHERE error_code !~ ${CODE}`,
    );
    await queryRunner.query(`
      WITH gone AS (DELETE FROM billing.usage_hourly WHERE model !~ ${MODEL_ID} RETURNING *)
      INSERT INTO billing.usage_hourly AS h
        (project_id, model, hour, requests, input_tokens, output_tokens, total_tokens, cost_micros)
      SELECT project_id, 'unknown', hour, sum(requests), sum(input_tokens), sum(output_tokens),
             sum(total_tokens), sum(cost_micros)
        FROM gone GROUP BY project_id, hour
      ON CONFLICT (project_id, hour, model) DO UPDATE SET
        requests = h.requests + EXCLUDED.requests,
        input_tokens = h.input_tokens + EXCLUDED.input_tokens,
        output_tokens = h.output_tokens + EXCLUDED.output_tokens,
        total_tokens = h.total_tokens + EXCLUDED.total_tokens,
        cost_micros = h.cost_micros + EXCLUDED.cost_micros`);
    for (const [table, checks] of Object.entries(CHECKS)) {
      await queryRunner.query(
        `ALTER TABLE billing.${table} ${checks.map((check) => `ADD CONSTRAINT ${check}`).join(', ')}`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, checks] of Object.entries(CHECKS)) {
      for (const check of checks) {
        await queryRunner.query(
          `ALTER TABLE billing.${table} DROP CONSTRAINT IF EXISTS ${check.split(' ')[0]}`,
        );
      }
    }
  }
}
