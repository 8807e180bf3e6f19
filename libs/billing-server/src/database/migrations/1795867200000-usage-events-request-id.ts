import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gateway's request id on each raw usage row, so a bill line can be matched to the caller's request
 * (it is an identifier, never text of the request). Rows written before this migration have none.
 */
export class UsageEventsRequestId1795867200000 implements MigrationInterface {
  name = 'UsageEventsRequestId1795867200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE billing.usage_events ADD COLUMN request_id varchar(128) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE billing.usage_events DROP COLUMN request_id`);
  }
}
