import type { DataSourceOptions, MixedList } from 'typeorm';
import { pgliteDriverModule } from './pglite-pool';

/**
 * Where a service keeps its tables: a real Postgres server (distributed deployment and tests) or an
 * embedded PGlite directory (the one-process mode). Both speak the same Postgres dialect, so each service
 * has one set of migrations, partitioned tables included.
 */
export type DatabaseTarget = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dataDir: string };

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

/** Creates the schema then runs the service's migrations (they are idempotent by the migrations table). */
export async function migrate(dataSource: import('typeorm').DataSource, schema: string): Promise<void> {
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await dataSource.runMigrations({ transaction: 'each' });
}
