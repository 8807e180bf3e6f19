import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, migrate, retryableConnectError } from '@pgw/persistence';
import { ADMIN_ROUTE_ERRORS_PROVIDER, ADMIN_TOKEN } from '@pgw/server-kit';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { BillingHealth } from './billing-health.service';
import {
  BILLING_CONNECTION,
  BILLING_OPTIONS,
  BILLING_SCHEMA,
  resolveBillingOptions,
  type BillingServerOptions,
} from './billing-server.options';
import { BudgetReconciler } from './budgets/budget-reconciler.service';
import { BudgetRepository } from './budgets/budget.repository';
import { BudgetStateService } from './budgets/budget-state.service';
import { BudgetsController } from './budgets/budgets.controller';
import { BudgetsService } from './budgets/budgets.service';
import { ProjectBudgetSettings } from './budgets/project-budget-settings';
import { BILLING_MIGRATIONS } from './database/billing-migrations';
import { BillingMetrics } from './metrics/billing-metrics';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { PriceRepository } from './pricing/price.repository';
import { PricesController } from './pricing/prices.controller';
import { PricesService } from './pricing/prices.service';
import { UsageReportRepository } from './reports/usage-report.repository';
import { UsageReportsController } from './reports/usage-reports.controller';
import { UsageReportsService } from './reports/usage-reports.service';
import { UsageRequestsRepository } from './reports/usage-requests.repository';
import { UsageRequestsService } from './reports/usage-requests.service';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionService } from './retention/retention.service';
import { UsageIngestService } from './usage/usage-ingest.service';
import { UsageRepository } from './usage/usage.repository';
import { UsageConsumer } from './usage/usage.consumer';

/**
 * The billing service: usage ingestion (consumer), prices, budgets and quota state (outbox), reports and
 * retention. The app (or the embedded composition root) provides EVENT_BUS globally and connects
 * `new EventBusTransport(bus, 'billing')` so that UsageConsumer's `@EventPattern` receives batches.
 */
@Module({})
export class BillingServerModule {
  static forRoot(input: BillingServerOptions): DynamicModule {
    const options = resolveBillingOptions(input);
    return {
      module: BillingServerModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: BILLING_CONNECTION,
          // `name` here too: @nestjs/typeorm looks the connection up by these options at shutdown.
          useFactory: () => ({
            ...dataSourceOptions({
              target: options.database,
              schema: BILLING_SCHEMA,
              migrations: BILLING_MIGRATIONS,
            }),
            name: BILLING_CONNECTION,
            retryAttempts: 3,
            toRetry: retryableConnectError,
            retryDelay: 1_000,
          }),
          // Migrations run before any provider can use the connection.
          dataSourceFactory: async (dataSourceOpts?: DataSourceOptions) => {
            const dataSource = await new DataSource(dataSourceOpts as DataSourceOptions).initialize();
            if (options.runMigrations) await migrate(dataSource, BILLING_SCHEMA);
            return dataSource;
          },
        }),
      ],
      controllers: [UsageConsumer, PricesController, BudgetsController, UsageReportsController],
      providers: [
        { provide: BILLING_OPTIONS, useValue: options },
        ADMIN_ROUTE_ERRORS_PROVIDER,
        { provide: ADMIN_TOKEN, useValue: options.adminToken },
        UsageRepository,
        UsageIngestService,
        PriceRepository,
        PricesService,
        ProjectBudgetSettings,
        BudgetRepository,
        BudgetStateService,
        BudgetsService,
        BudgetReconciler,
        OutboxRelay,
        UsageReportRepository,
        UsageReportsService,
        UsageRequestsRepository,
        UsageRequestsService,
        RetentionRepository,
        RetentionService,
        BillingHealth,
        BillingMetrics,
      ],
      exports: [
        BillingHealth,
        BillingMetrics,
        UsageIngestService,
        RetentionService,
        BudgetReconciler,
        OutboxRelay,
      ],
    };
  }
}
