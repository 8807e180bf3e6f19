import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEST_POSTGRES_ADMIN_URL =
  process.env.PGW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A throwaway database on the real Postgres server (127.0.0.1:5432), unique per test run and file, so
 * parallel test files and repeated runs never share state.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const run = (process.env.PGW_TEST_RUN_ID ?? 'local').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const name = `pgw_t_${run}_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
