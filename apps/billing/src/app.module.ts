import { Module, type DynamicModule } from '@nestjs/common';
import { BillingServerModule } from '@pgw/billing-server';
import { EventBusModule, type EventBus } from '@pgw/messaging';
import type { BillingConfig } from './billing.config';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forRoot(config: BillingConfig, bus: EventBus): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventBusModule.forRoot(bus),
        BillingServerModule.forRoot({
          database: config.database,
          adminToken: config.ADMIN_TOKEN,
          runMigrations: config.RUN_MIGRATIONS,
          rawRetentionDays: config.BILLING_RAW_RETENTION_DAYS,
          rollupRetentionDays: config.BILLING_ROLLUP_RETENTION_DAYS,
        }),
      ],
      controllers: [HealthController],
    };
  }
}
