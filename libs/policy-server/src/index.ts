export { PolicyServerModule, POLICY_ENTITIES } from './policy-server.module';
export { POLICY_SERVER_OPTIONS, type PolicyServerOptions } from './policy-server.options';
export {
  PolicySeedService,
  type SeedDemoProjectOptions,
  type SeededDemoProject,
} from './seed/policy-seed.service';
export { StateRepublisher } from './outbox/state-republisher';
export { OutboxRelay } from './outbox/outbox.relay';
export { PolicyDatabaseHealth } from './database/policy-database.health';
export { POLICY_CONNECTION, POLICY_SCHEMA, POLICY_MIGRATIONS } from './database/policy-migrations';
export { buildPolicyOpenApiDocument, POLICY_DOCS_PATH } from './openapi/policy-openapi';
export { serveSwaggerUi } from './openapi/swagger-ui';
