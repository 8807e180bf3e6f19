import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { AuditServerModule } from '@pgw/audit-server';
import { EVENT_BUS, EventBusModule, type EventBus } from '@pgw/messaging';
import type { AuditConfig } from './audit.config';
import { HealthController } from './health/health.controller';

/** Closes the bus last, after Nest has stopped the consumer (in-flight batch finished) and the job. */
class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: AuditConfig, bus: EventBus): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventBusModule.forRoot(bus),
        AuditServerModule.forRoot({
          database: { kind: 'postgres', url: config.DATABASE_URL },
          adminToken: config.ADMIN_TOKEN,
          runMigrations: config.RUN_MIGRATIONS,
          partitionDaysAhead: config.AUDIT_PARTITION_DAYS_AHEAD,
        }),
      ],
      controllers: [HealthController],
      providers: [BusCloser],
    };
  }
}
