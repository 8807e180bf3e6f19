import { ADMIN_ROUTE_ERRORS_PROVIDER } from '@pgw/server-kit';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, retryableConnectError } from '@pgw/persistence';
import { AuditAccessGuard } from './access/audit-access.guard';
import { ATTESTATION_CONTROLLERS, ATTESTATION_PROVIDERS } from './attestation/attestation.providers';
import { AuditHealth } from './audit-health.service';
import { AuditLifecycle } from './audit-lifecycle.service';
import { AuditReadiness } from './audit-readiness';
import {
  AUDIT_DATA_SOURCE,
  AUDIT_SCHEMA,
  AUDIT_SERVER_OPTIONS,
  type AuditServerOptions,
} from './audit-server.options';
import { CreateAuditDecisions1764300000000 } from './database/migrations/1764300000000-create-audit-decisions';
import { IdentifierChecks1796601600000 } from './database/migrations/1796601600000-identifier-checks';
import { DecisionTargetsByEndpoint1796688000000 } from './database/migrations/1796688000000-decision-targets-by-endpoint';
import { AuditExportController } from './export/audit-export.controller';
import { AuditExportService } from './export/audit-export.service';
import { DecisionIngestService } from './ingest/decision-ingest.service';
import { DecisionRepository } from './ingest/decision.repository';
import { DecisionsConsumer } from './ingest/decisions.consumer';
import { IngestStats } from './ingest/ingest-stats';
import { AuditMetrics } from './metrics/audit-metrics';
import { AuditQueryController } from './query/audit-query.controller';
import { AuditQueryService } from './query/audit-query.service';
import { DecisionQueryRepository } from './query/decision-query.repository';
import { PartitionMaintenanceService } from './retention/partition-maintenance.service';
import { PartitionRepository } from './retention/partition.repository';
import { ProjectRetentionRepository } from './retention/project-retention.repository';
import { KeyStateStore } from './state/key-state.store';
import { ProjectStateStore } from './state/project-state.store';

export const AUDIT_MIGRATIONS = [
  CreateAuditDecisions1764300000000,
  IdentifierChecks1796601600000,
  DecisionTargetsByEndpoint1796688000000,
];

/**
 * The audit service: decision ingestion (consumer), retention (partition maintenance), query, stats and
 * export APIs. The app provides the EVENT_BUS (EventBusModule.forRoot) and connects
 * `new EventBusTransport(bus, 'audit')` so DecisionsConsumer receives batches.
 */
@Module({})
export class AuditServerModule {
  static forRoot(options: AuditServerOptions): DynamicModule {
    return {
      module: AuditServerModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: AUDIT_DATA_SOURCE,
          // The name is repeated in the options so TypeORM's shutdown hook finds (and closes) this connection.
          useFactory: () => ({
            name: AUDIT_DATA_SOURCE,
            ...dataSourceOptions({
              target: options.database,
              schema: AUDIT_SCHEMA,
              migrations: AUDIT_MIGRATIONS,
            }),
            retryAttempts: 3,
            retryDelay: 1_000,
            toRetry: retryableConnectError,
          }),
        }),
      ],
      controllers: [
        DecisionsConsumer,
        AuditQueryController,
        AuditExportController,
        ...ATTESTATION_CONTROLLERS,
      ],
      providers: [
        { provide: AUDIT_SERVER_OPTIONS, useValue: options },
        ADMIN_ROUTE_ERRORS_PROVIDER,
        AuditReadiness,
        AuditHealth,
        AuditLifecycle,
        IngestStats,
        AuditMetrics,
        DecisionRepository,
        DecisionIngestService,
        ProjectRetentionRepository,
        PartitionRepository,
        PartitionMaintenanceService,
        ProjectStateStore,
        KeyStateStore,
        AuditAccessGuard,
        DecisionQueryRepository,
        AuditQueryService,
        AuditExportService,
        ...ATTESTATION_PROVIDERS,
      ],
      exports: [
        AuditHealth,
        AuditMetrics,
        AuditReadiness,
        IngestStats,
        PartitionMaintenanceService,
        ProjectStateStore,
      ],
    };
  }
}
