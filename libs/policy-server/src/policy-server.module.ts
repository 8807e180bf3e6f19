import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, retryableConnectError } from '@pgw/persistence';
import { ADMIN_ROUTE_ERRORS_PROVIDER, ADMIN_TOKEN } from '@pgw/server-kit';
import { PolicyDatabaseHealth } from './database/policy-database.health';
import { POLICY_CONNECTION, POLICY_MIGRATIONS, POLICY_SCHEMA } from './database/policy-migrations';
import { PolicyMigrator } from './database/policy-migrator';
import { ChangeEntity } from './history/change.entity';
import { HistoryController } from './history/history.controller';
import { HistoryService } from './history/history.service';
import { ApiKeyEntity } from './keys/api-key.entity';
import { KeyLastUsedTracker } from './keys/key-last-used.tracker';
import { KeysController } from './keys/keys.controller';
import { KeysService } from './keys/keys.service';
import { ChangeTransaction } from './outbox/change-transaction';
import { OutboxRelay } from './outbox/outbox.relay';
import { StateOutbox } from './outbox/state-outbox';
import { StateRepublisher } from './outbox/state-republisher';
import { PlansController } from './plans/plans.controller';
import { PoliciesController } from './policies/policies.controller';
import { PoliciesService } from './policies/policies.service';
import { PolicyDryRunService } from './policies/policy-dry-run.service';
import { PolicyEngineAdapter } from './policies/policy-engine.adapter';
import { PolicyRevisionWriter } from './policies/policy-revision.writer';
import { PolicyRevisionEntity } from './policies/policy-revision.entity';
import { POLICY_SERVER_OPTIONS, type PolicyServerOptions } from './policy-server.options';
import { ProjectEntity } from './projects/project.entity';
import { ProjectsController } from './projects/projects.controller';
import { ProjectsService } from './projects/projects.service';
import { PolicySeedService } from './seed/policy-seed.service';
import { ApiKeyRepository } from './keys/api-key.repository';
import { ChangeHistoryRepository } from './history/change-history.repository';
import { PolicyRevisionRepository } from './policies/policy-revision.repository';
import { ProjectRepository } from './projects/project.repository';

export const POLICY_ENTITIES = [ProjectEntity, ApiKeyEntity, PolicyRevisionEntity, ChangeEntity];

/**
 * The policy service: projects, scoped keys, versioned policies, change history, and the outbox relay
 * that publishes project/key/policy state. Needs EVENT_BUS provided globally (EventBusModule.forRoot).
 */
@Module({})
export class PolicyServerModule {
  static forRoot(options: PolicyServerOptions): DynamicModule {
    return {
      module: PolicyServerModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: POLICY_CONNECTION,
          useFactory: () => ({
            ...dataSourceOptions({
              target: options.database,
              schema: POLICY_SCHEMA,
              migrations: POLICY_MIGRATIONS,
              entities: POLICY_ENTITIES,
            }),
            name: POLICY_CONNECTION,
            toRetry: retryableConnectError,
          }),
        }),
      ],
      controllers: [
        ProjectsController,
        KeysController,
        PoliciesController,
        HistoryController,
        PlansController,
      ],
      providers: [
        { provide: POLICY_SERVER_OPTIONS, useValue: options },
        ADMIN_ROUTE_ERRORS_PROVIDER,
        { provide: ADMIN_TOKEN, useValue: options.adminToken },
        PolicyMigrator,
        OutboxRelay,
        ChangeTransaction,
        ProjectRepository,
        ApiKeyRepository,
        PolicyRevisionRepository,
        ChangeHistoryRepository,
        StateOutbox,
        StateRepublisher,
        ProjectsService,
        KeysService,
        KeyLastUsedTracker,
        PoliciesService,
        PolicyRevisionWriter,
        PolicyDryRunService,
        PolicyEngineAdapter,
        HistoryService,
        PolicySeedService,
        PolicyDatabaseHealth,
      ],
      exports: [PolicySeedService, StateRepublisher, PolicyDatabaseHealth, OutboxRelay],
    };
  }
}
