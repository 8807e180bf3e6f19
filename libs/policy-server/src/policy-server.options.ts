import type { DatabaseTarget } from '@pgw/persistence';

export interface PolicyServerOptions {
  database: DatabaseTarget;
  /** Bearer token of the admin API (`Authorization: Bearer <token>`). */
  adminToken: string;
  /** Run this service's migrations (schema `policy`) when the module starts. */
  runMigrations: boolean;
  /**
   * Follow the usage topic to keep each key's `last_used_at` current. Absent: not tracked (tests that
   * do not need it avoid joining a consumer group).
   */
  keyUsage?: {
    /** Kafka consumer group; one per deployment (all replicas share it). */
    consumerGroup: string;
  };
  outbox?: {
    /** Fallback poll interval of the relay; it is also nudged right after each commit. Default 200 ms. */
    pollIntervalMs?: number;
    /** Rows per relay transaction. Default 200. */
    batchSize?: number;
  };
}

export const POLICY_SERVER_OPTIONS = Symbol('POLICY_SERVER_OPTIONS');
