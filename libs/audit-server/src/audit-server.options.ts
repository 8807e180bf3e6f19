import type { DatabaseTarget } from '@pgw/persistence';

export interface AuditServerOptions {
  database: DatabaseTarget;
  /** Bearer token of the internal admin APIs (project keys are accepted too, scoped to their project). */
  adminToken: string;
  /** Run the audit schema's migrations when the module starts. */
  runMigrations: boolean;
  /** How many days of time partitions the maintenance job creates ahead of now (default 7). */
  partitionDaysAhead?: number;
  /** Period of the partition maintenance job (default one hour); 0 runs it only at start and on demand. */
  maintenanceIntervalMs?: number;
  /** Rows per keyset page of an export (default 5,000). */
  exportPageSize?: number;
  /** How long start-up waits for the project and key state topics to be read (default 15 s). */
  stateCatchUpTimeoutMs?: number;
  /** PKCS#8 PEM of the Ed25519 key that signs compliance attestations; unset = an ephemeral key (dev). */
  attestationPrivateKeyPem?: string;
}

export const AUDIT_SERVER_OPTIONS = Symbol('AUDIT_SERVER_OPTIONS');

/** The TypeORM connection name of the audit service (`@InjectDataSource(AUDIT_DATA_SOURCE)`). */
export const AUDIT_DATA_SOURCE = 'audit';
export const AUDIT_SCHEMA = 'audit';
/** Names this service in dead-letter records. */
export const AUDIT_CONSUMER_NAME = 'audit.decisions';
