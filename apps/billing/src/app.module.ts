import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { BillingServerModule } from '@pgw/billing-server';
import { EVENT_BUS, EventBusModule, type EventBus } from '@pgw/messaging';
import type { BillingConfig } from './billing.config';
import { HealthController } from './health/health.controller';

/** Closes the bus last, after Nest has stopped the consumers and the module's timers. */
class BusCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Module({})
export class AppModule {
  static forRoot(config: BillingConfig, bus: EventBus): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventBusModule.forRoot(bus),
        BillingServerModule.forRoot({
          database: { kind: 'postgres', url: config.DATABASE_URL },
          adminToken: config.ADMIN_TOKEN,
          runMigrations: config.RUN_MIGRATIONS,
          rawRetentionDays: config.BILLING_RAW_RETENTION_DAYS,
          rollupRetentionDays: config.BILLING_ROLLUP_RETENTION_DAYS,
        }),
      ],
      controllers: [HealthController],
      providers: [BusCloser],
    };
  }
}
