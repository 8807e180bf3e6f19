import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import { pgliteDriverModule } from './pglite-pool';

/**
 * Where a service keeps its tables: a real Postgres server (distributed deployment and tests) or an
 * embedded PGlite directory (the one-process mode). Both speak the same Postgres dialect, so each service
 * has one set of migrations, partitioned tables included.
 */
export type DatabaseTarget =
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number;
      /** node-postgres TLS options (ServiceEnv builds them from DATABASE_SSLMODE and the CA files). */
      ssl?: false | ConnectionOptions;
    }
  | { kind: 'pglite'; dataDir: string };

export interface ServiceDatabaseOptions {
  target: DatabaseTarget;
  /** The service's own schema; no service reads another's. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function>;
}

export function dataSourceOptions(options: ServiceDatabaseOptions): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: `${options.schema}_migrations`,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
  if (options.target.kind === 'postgres') {
    return {
      ...common,
      url: options.target.url,
      // TypeORM types `ssl` as tls.TlsOptions; node-postgres, which receives it, takes tls.ConnectionOptions.
      ...(options.target.ssl !== undefined ? { ssl: options.target.ssl as boolean | TlsOptions } : {}),
      poolSize: options.target.poolSize ?? 10,
      extra: { application_name: `pgw-${options.schema}` },
    };
  }
  return { ...common, driver: pgliteDriverModule(options.target.dataDir), poolSize: 1 };
}

/**
 * Creates the schema then runs the service's migrations. On a Postgres server the run holds an advisory
 * lock named after the schema, so replicas starting together (or a migration Job racing a Deployment)
 * migrate one after another instead of failing on duplicate DDL. PGlite is one process: no lock needed.
 */
export async function migrate(dataSource: DataSource, schema: string): Promise<void> {
  const isServer = !('driver' in dataSource.options && dataSource.options.driver);
  const lockRunner = isServer ? dataSource.createQueryRunner() : null;
  try {
    await lockRunner?.query('SELECT pg_advisory_lock(hashtext($1))', [`pgw-migrations:${schema}`]);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockRunner
      ?.query('SELECT pg_advisory_unlock(hashtext($1))', [`pgw-migrations:${schema}`])
      .catch(() => undefined);
    await lockRunner?.release();
  }
}

/** For a migration Job (`MIGRATE_ONLY=true`): migrate one service's schema and return, without Kafka or HTTP. */
export async function migrateOnly(options: ServiceDatabaseOptions): Promise<void> {
  const dataSource = new DataSource(dataSourceOptions(options));
  await dataSource.initialize();
  try {
    await migrate(dataSource, options.schema);
  } finally {
    await dataSource.destroy();
  }
}

/** TLS failures that are the configuration's, not the network's: the CA, the host name, the server's TLS. */
const TLS_SETTINGS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);
/** invalid_authorization_specification, invalid_password: the credentials or pg_hba refuse us. */
const AUTH_SQLSTATES = new Set(['28000', '28P01']);

/**
 * For @nestjs/typeorm's `toRetry`: a connection error worth retrying at start (the server is not up yet)
 * versus one no retry fixes (an untrusted or misnamed certificate, a server without TLS, refused
 * credentials), which stops the start at once with its message instead of after minutes of retries.
 */
export function retryableConnectError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (TLS_SETTINGS_CODES.has(code) || AUTH_SQLSTATES.has(code))) return false;
  return !(typeof message === 'string' && message.includes('does not support SSL'));
}
