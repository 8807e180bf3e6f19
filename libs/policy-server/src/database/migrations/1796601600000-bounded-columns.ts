import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The policy schema holds what admins write, never what a /v1 client sends: ids and codes take their token
 * shapes (the patterns of `@pgw/contracts` identifiers.ts, frozen here as POSIX regexes), enumerations
 * their values, and the admin-authored text (project and key names, the actor, a revision's message, the
 * policy config, allowed models, diffs and change records) is bounded by the sizes the admin API accepts.
 * That admin text is legitimate configuration (docs/privacy.md); the only trace of a client here is a
 * key's `last_used_at`, a timestamp.
 */
const ENTITY_ID = `'^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'`;
const TOKEN = `'^[a-z0-9_]{1,32}$'`;
const TOPIC = `'^[A-Za-z0-9._-]{1,249}$'`;
const ROLLOUT = `('enforce', 'shadow', 'canary')`;
/** Admin JSON (configs, lists, diffs): the admin API's 1 MiB body, with room for a diff's two sides. */
const JSON_BYTES = 4 * 1024 * 1024;

const CHECKS: Record<string, string[]> = {
  projects: [
    `projects_id_token CHECK (id ~ ${ENTITY_ID})`,
    `projects_name_bounded CHECK (char_length(name) BETWEEN 1 AND 200)`,
    `projects_plan_token CHECK (plan ~ ${TOKEN})`,
    `projects_rollout_known CHECK (default_rollout_mode IN ${ROLLOUT})`,
    `projects_allowed_models_bounded CHECK (octet_length(allowed_models::text) <= ${JSON_BYTES})`,
  ],
  api_keys: [
    `api_keys_id_token CHECK (id ~ ${ENTITY_ID})`,
    `api_keys_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `api_keys_name_bounded CHECK (char_length(name) BETWEEN 1 AND 200)`,
    `api_keys_secret_hash_hex CHECK (secret_hash ~ '^[0-9a-f]{64}$')`,
    `api_keys_allowed_models_bounded CHECK (octet_length(allowed_models::text) <= ${JSON_BYTES})`,
  ],
  policy_revisions: [
    `policy_revisions_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `policy_revisions_config_bounded CHECK (octet_length(config::text) <= ${JSON_BYTES})`,
    `policy_revisions_rollout_known CHECK (rollout_mode IN ${ROLLOUT})`,
    `policy_revisions_author_bounded CHECK (char_length(author) <= 200)`,
    `policy_revisions_message_bounded CHECK (char_length(message) <= 1000)`,
    `policy_revisions_diff_bounded CHECK (octet_length(diff::text) <= ${JSON_BYTES})`,
  ],
  change_history: [
    `change_history_project_id_token CHECK (project_id ~ ${ENTITY_ID})`,
    `change_history_entity_type_known CHECK (entity_type IN ('project', 'key', 'policy'))`,
    `change_history_entity_id_token CHECK (entity_id ~ ${ENTITY_ID})`,
    `change_history_action_token CHECK (action ~ ${TOKEN})`,
    `change_history_actor_bounded CHECK (char_length(actor) <= 200)`,
    `change_history_changes_bounded CHECK (octet_length(changes::text) <= ${JSON_BYTES})`,
  ],
  outbox: [
    `outbox_topic_token CHECK (topic ~ ${TOPIC})`,
    `outbox_message_key_token CHECK (message_key ~ ${ENTITY_ID})`,
    `outbox_message_value_bounded CHECK (octet_length(message_value) <= ${JSON_BYTES})`,
  ],
};

export class BoundedColumns1796601600000 implements MigrationInterface {
  name = 'BoundedColumns1796601600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, checks] of Object.entries(CHECKS)) {
      await queryRunner.query(
        `ALTER TABLE policy.${table} ${checks.map((check) => `ADD CONSTRAINT ${check}`).join(', ')}`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, checks] of Object.entries(CHECKS)) {
      for (const check of checks) {
        await queryRunner.query(
          `ALTER TABLE policy.${table} DROP CONSTRAINT IF EXISTS ${check.split(' ')[0]}`,
        );
      }
    }
  }
}
