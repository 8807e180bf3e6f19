import { Module, type DynamicModule } from '@nestjs/common';
import { AuditServerModule } from '@pgw/audit-server';
import { EventBusModule, type EventBus } from '@pgw/messaging';
import type { AuditConfig } from './audit.config';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forRoot(config: AuditConfig, bus: EventBus): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventBusModule.forRoot(bus),
        AuditServerModule.forRoot({
          database: config.database,
          adminToken: config.ADMIN_TOKEN,
          runMigrations: config.RUN_MIGRATIONS,
          partitionDaysAhead: config.AUDIT_PARTITION_DAYS_AHEAD,
          attestationPrivateKeyPem: config.attestationPrivateKeyPem,
        }),
      ],
      controllers: [HealthController],
    };
  }
}
