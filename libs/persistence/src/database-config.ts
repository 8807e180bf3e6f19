import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import { pgliteDriverModule } from './pglite-pool';

/**
 * Where a service keeps its tables: a real Postgres server (distributed deployment and tests) or an
 * embedded PGlite directory (the one-process mode). Both speak the same Postgres dialect, so each service
 * has one set of migrations, partitioned tables included.
 */
export type DatabaseTarget =
  { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dataDir: string };

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
