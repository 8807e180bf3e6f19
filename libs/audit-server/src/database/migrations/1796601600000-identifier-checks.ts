import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every identifier column of the audit log takes only its token shape (the patterns of
 * `@pgw/contracts` identifiers.ts, written here as POSIX regexes so this migration never changes with
 * them): a request id, model, id or code cannot hold a sentence. Rows written before the gateway checked
 * these are scrubbed first: a request id that is not a token becomes the row's event id, a model `unknown`,
 * control characters leave `policy_user`. `policy_user` stays the one client-chosen value (the documented
 * end-user id, normalised and redacted by the gateway). Constraints on the parent reach every partition.
 */
const REQUEST_ID = `'^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'`;
const MODEL_ID = `'^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$'`;
const ENTITY_ID = `'^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'`;
const CODE = `'^[A-Za-z0-9_.:-]{1,64}$'`;

export class IdentifierChecks1796601600000 implements MigrationInterface {
  name = 'IdentifierChecks1796601600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE audit.decisions SET request_id = event_id::text WHERE request_id !~ ${REQUEST_ID}`,
    );
    await queryRunner.query(`UPDATE audit.decisions SET model = 'unknown' WHERE model !~ ${MODEL_ID}`);
    await queryRunner.query(
      `UPDATE audit.decisions SET policy_user = regexp_replace(policy_user, '[[:cntrl:]]', '', 'g')
        WHERE policy_user ~ '[[:cntrl:]]'`,
    );
    await queryRunner.query(`
      ALTER TABLE audit.decisions
        ADD CONSTRAINT decisions_request_id_token CHECK (request_id ~ ${REQUEST_ID}),
        ADD CONSTRAINT decisions_model_token CHECK (model ~ ${MODEL_ID}),
        ADD CONSTRAINT decisions_project_id_token CHECK (project_id ~ ${ENTITY_ID}),
        ADD CONSTRAINT decisions_policy_project_id_token CHECK (policy_project_id ~ ${ENTITY_ID}),
        ADD CONSTRAINT decisions_policy_id_token CHECK (policy_id ~ ${ENTITY_ID}),
        ADD CONSTRAINT decisions_reason_code_token CHECK (reason_code ~ ${CODE}),
        ADD CONSTRAINT decisions_categories_tokens
          CHECK (array_to_string(triggered_categories, ',') ~ '^[a-z0-9_.,]*$'),
        ADD CONSTRAINT decisions_policy_user_no_control CHECK (policy_user !~ '[[:cntrl:]]')`);
    await queryRunner.query(`
      ALTER TABLE audit.project_retention
        ADD CONSTRAINT project_retention_project_id_token CHECK (project_id ~ ${ENTITY_ID}),
        ADD CONSTRAINT project_retention_plan_token CHECK (plan ~ '^[a-z0-9_]{1,16}$'),
        ADD CONSTRAINT project_retention_days_positive CHECK (retention_days > 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of [
      'request_id_token',
      'model_token',
      'project_id_token',
      'policy_project_id_token',
      'policy_id_token',
      'reason_code_token',
      'categories_tokens',
      'policy_user_no_control',
    ]) {
      await queryRunner.query(`ALTER TABLE audit.decisions DROP CONSTRAINT IF EXISTS decisions_${name}`);
    }
    for (const name of ['project_id_token', 'plan_token', 'days_positive']) {
      await queryRunner.query(
        `ALTER TABLE audit.project_retention DROP CONSTRAINT IF EXISTS project_retention_${name}`,
      );
    }
  }
}
