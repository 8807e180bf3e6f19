export * from './billing-server.module';
export { BILLING_CONNECTION, BILLING_SCHEMA, type BillingServerOptions } from './billing-server.options';
export { BillingHealth, type BillingReadiness } from './billing-health.service';
export { UsageIngestService, type IngestStats } from './usage/usage-ingest.service';
export { RetentionService, type PurgeResult } from './retention/retention.service';
export { BudgetReconciler } from './budgets/budget-reconciler.service';
export { OutboxRelay } from './outbox/outbox-relay.service';
export { priceAt, type PriceRule } from './pricing/price-book';
export { microsToUsd } from './shared/money';
