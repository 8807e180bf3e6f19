import { DataSource } from 'typeorm';
import { dataSourceOptions, retryableConnectError } from '@pgw/persistence';
import { loadConfig, ServiceEnv } from '@pgw/server-kit';
import {
  freeLocalPort,
  makeTlsMaterial,
  removeTlsMaterial,
  startOwnPostgres,
  type OwnPostgres,
  type TlsMaterial,
} from '@pgw/testing';

/**
 * Postgres over TLS, from the environment to a connection: DATABASE_SSLMODE and DATABASE_SSL_CA read by
 * ServiceEnv (as every database service loads them), the target's TLS options through dataSourceOptions
 * into TypeORM and node-postgres, against our own Postgres with ssl=on and a certificate made at test time
 * (it names DNS:localhost only, so 127.0.0.1 is a wrong host name for it).
 */
describe('Postgres TLS (own server with ssl=on)', () => {
  let tls: TlsMaterial;
  let pg: OwnPostgres;

  beforeAll(async () => {
    tls = await makeTlsMaterial();
    pg = await startOwnPostgres(tls);
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    removeTlsMaterial(tls);
  });

  function target(host: string, env: Record<string, string>) {
    const config = loadConfig(ServiceEnv, {
      DATABASE_URL: `postgres://postgres@${host}:${pg.port}/postgres`,
      ADMIN_TOKEN: 'tls-test-admin-token',
      ...env,
    });
    return config.database;
  }

  /** Connects as a service does (TypeORM, its pool); answers whether this session is encrypted. */
  async function sessionEncrypted(host: string, env: Record<string, string>): Promise<boolean> {
    const dataSource = new DataSource(
      dataSourceOptions({ target: target(host, env), schema: 'public', migrations: [] }),
    );
    await dataSource.initialize();
    try {
      const [row] = (await dataSource.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')) as {
        ssl: boolean;
      }[];
      return row.ssl;
    } finally {
      await dataSource.destroy();
    }
  }

  it('verify-full with the right CA and host name connects, encrypted', async () => {
    await expect(
      sessionEncrypted('localhost', { DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_CA: tls.caFile }),
    ).resolves.toBe(true);
  });

  it('verify-full fails at once when the CA did not sign the server certificate', async () => {
    const attempt = sessionEncrypted('localhost', {
      DATABASE_SSLMODE: 'verify-full',
      DATABASE_SSL_CA: tls.otherCaFile,
    });
    await expect(attempt).rejects.toMatchObject({
      code: expect.stringMatching(/^(UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/),
    });
    // The services' TypeORM connection does not retry it: the start stops with this error.
    expect(retryableConnectError(await attempt.catch((error: unknown) => error))).toBe(false);
  });

  it('verify-full fails at once when the host name is not in the certificate', async () => {
    const attempt = sessionEncrypted('127.0.0.1', {
      DATABASE_SSLMODE: 'verify-full',
      DATABASE_SSL_CA: tls.caFile,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await expect(attempt).rejects.toThrow(/127\.0\.0\.1 is not in the cert's list/);
    expect(retryableConnectError(await attempt.catch((error: unknown) => error))).toBe(false);
  });

  it('a server that is not up yet stays a retried error', async () => {
    const notListening = new DataSource({
      type: 'postgres',
      url: `postgres://postgres@127.0.0.1:${await freeLocalPort()}/postgres`,
    });
    const refused = await notListening.initialize().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(retryableConnectError(refused)).toBe(true);
  });

  it('verify-ca checks the chain but not the host name', async () => {
    await expect(
      sessionEncrypted('127.0.0.1', { DATABASE_SSLMODE: 'verify-ca', DATABASE_SSL_CA: tls.caFile }),
    ).resolves.toBe(true);
    await expect(
      sessionEncrypted('127.0.0.1', { DATABASE_SSLMODE: 'verify-ca', DATABASE_SSL_CA: tls.otherCaFile }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^UNABLE_TO_/) });
  });

  it('require encrypts without a CA; disable and an unset mode stay plain', async () => {
    await expect(sessionEncrypted('127.0.0.1', { DATABASE_SSLMODE: 'require' })).resolves.toBe(true);
    await expect(sessionEncrypted('127.0.0.1', { DATABASE_SSLMODE: 'disable' })).resolves.toBe(false);
    await expect(sessionEncrypted('127.0.0.1', {})).resolves.toBe(false);
  });
});
