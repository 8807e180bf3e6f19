import type { DatabaseTarget } from '@pgw/persistence';

export interface BillingServerOptions {
  database: DatabaseTarget;
  /** Bearer token of the internal admin APIs (/admin/v1/billing/...). */
  adminToken: string;
  /** Create the `billing` schema and run its migrations when the module starts. */
  runMigrations: boolean;
  /** Raw usage rows (billing.usage_events) older than this are deleted. Default 30. */
  rawRetentionDays?: number;
  /** Hourly rollups (billing.usage_hourly) older than this are deleted. Default 400. */
  rollupRetentionDays?: number;
  /** How often the retention job runs. Default: hourly (a row outlives its retention by at most ~2 hours). */
  retentionIntervalMs?: number;
  /** Fallback poll of the quota-state outbox (it is also nudged right after each commit). Default 1000. */
  outboxPollIntervalMs?: number;
  /** Name written as `consumer` on dead-letter records. Default 'billing'. */
  consumerName?: string;
}

export type ResolvedBillingOptions = Required<BillingServerOptions>;

export const BILLING_OPTIONS = Symbol('BILLING_OPTIONS');

/** The TypeORM connection name; every repository injects it with `@InjectDataSource(BILLING_CONNECTION)`. */
export const BILLING_CONNECTION = 'billing';
export const BILLING_SCHEMA = 'billing';

export function resolveBillingOptions(options: BillingServerOptions): ResolvedBillingOptions {
  return {
    rawRetentionDays: 30,
    rollupRetentionDays: 400,
    retentionIntervalMs: 60 * 60 * 1000,
    outboxPollIntervalMs: 1_000,
    consumerName: 'billing',
    ...options,
  };
}
