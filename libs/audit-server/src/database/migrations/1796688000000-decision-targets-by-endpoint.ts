import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * policy_target names the endpoint for Responses and Embeddings decisions ('responses.input',
 * 'responses.output', 'embeddings.input'; plain 'input' / 'output' stay chat completions, so no row
 * changes). Widening a varchar is a catalogue change (no table rewrite); the new check scans the rows once.
 */
export class DecisionTargetsByEndpoint1796688000000 implements MigrationInterface {
  name = 'DecisionTargetsByEndpoint1796688000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit.decisions DROP CONSTRAINT decisions_policy_target_check`);
    await queryRunner.query(`ALTER TABLE audit.decisions ALTER COLUMN policy_target TYPE varchar(24)`);
    await queryRunner.query(
      `ALTER TABLE audit.decisions ADD CONSTRAINT decisions_policy_target_check CHECK (policy_target IN ('input', 'output', 'responses.input', 'responses.output', 'embeddings.input'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM audit.decisions WHERE policy_target NOT IN ('input', 'output')`);
    await queryRunner.query(`ALTER TABLE audit.decisions DROP CONSTRAINT decisions_policy_target_check`);
    await queryRunner.query(`ALTER TABLE audit.decisions ALTER COLUMN policy_target TYPE varchar(8)`);
    await queryRunner.query(
      `ALTER TABLE audit.decisions ADD CONSTRAINT decisions_policy_target_check CHECK (policy_target IN ('input', 'output'))`,
    );
  }
}
