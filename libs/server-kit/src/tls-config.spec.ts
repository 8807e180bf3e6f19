import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceEnv } from './service-env';
import { postgresSslOptions } from './tls-config';
import { ConfigError, loadConfig } from './typed-config';

describe('Postgres TLS settings (ServiceEnv)', () => {
  let dir: string;
  let ca: string;
  let key: string;
  const base = { DATABASE_URL: 'postgres://app@db.internal:5432/pgw', ADMIN_TOKEN: 'a-long-admin-token' };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgw-tls-spec-'));
    ca = join(dir, 'ca.crt');
    key = join(dir, 'ca.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', ca, '-days', '1', '-subj', '/CN=spec',
    ], { stdio: 'ignore' }); // prettier-ignore
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function problem(env: Record<string, string>): string {
    try {
      loadConfig(ServiceEnv, { ...base, ...env });
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  }

  it('accepts each mode with its files, and no mode at all', () => {
    expect(problem({})).toBe('');
    expect(problem({ DATABASE_SSLMODE: 'require' })).toBe('');
    expect(problem({ DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_CA: ca })).toBe('');
    expect(
      problem({
        DATABASE_SSLMODE: 'verify-ca',
        DATABASE_SSL_CA: ca,
        DATABASE_SSL_CERT: ca,
        DATABASE_SSL_KEY: key,
      }),
    ).toBe('');
  });

  it('names the variable and the problem, never a file content', () => {
    expect(problem({ DATABASE_SSLMODE: 'prefer' })).toMatch(
      /DATABASE_SSLMODE must be one of disable, require, verify-ca, verify-full/,
    );
    expect(problem({ DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_CA: join(dir, 'missing.crt') })).toMatch(
      /DATABASE_SSL_CA: cannot read .*missing\.crt \(ENOENT\)/,
    );
    const keyAsCa = problem({ DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_CA: key });
    expect(keyAsCa).toMatch(/DATABASE_SSL_CA: .*ca\.key is not a PEM certificate/);
    const certAsKey = problem({
      DATABASE_SSLMODE: 'verify-full',
      DATABASE_SSL_CERT: ca,
      DATABASE_SSL_KEY: ca,
    });
    expect(certAsKey).toMatch(/DATABASE_SSL_KEY: .*ca\.crt is not a PEM private key/);
    const keyBody = readFileSync(key, 'utf8').split('\n')[1];
    expect(keyAsCa + certAsKey).not.toContain(keyBody);
  });

  it('refuses settings that contradict each other', () => {
    expect(problem({ DATABASE_SSL_CA: ca })).toMatch(/DATABASE_SSL_CA needs DATABASE_SSLMODE/);
    expect(problem({ DATABASE_SSLMODE: 'disable', DATABASE_SSL_CA: ca })).toMatch(
      /DATABASE_SSL_CA needs DATABASE_SSLMODE require, verify-ca or verify-full/,
    );
    expect(problem({ DATABASE_SSLMODE: 'require', DATABASE_SSL_CERT: ca })).toMatch(
      /DATABASE_SSL_CERT needs DATABASE_SSL_KEY/,
    );
    expect(problem({ DATABASE_SSLMODE: 'require', DATABASE_SSL_KEY: key })).toMatch(
      /DATABASE_SSL_KEY needs DATABASE_SSL_CERT/,
    );
    expect(
      problem({ DATABASE_URL: `${base.DATABASE_URL}?sslmode=require`, DATABASE_SSLMODE: 'verify-full' }),
    ).toMatch(/DATABASE_URL carries TLS parameters too: set TLS in one place/);
  });

  it('builds the target node-postgres gets, with libpq meanings', () => {
    const config = loadConfig(ServiceEnv, { ...base, DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_CA: ca });
    expect(config.database).toMatchObject({
      kind: 'postgres',
      url: base.DATABASE_URL,
      ssl: { ca: readFileSync(ca, 'utf8'), rejectUnauthorized: true },
    });
    expect(config.database.ssl).not.toHaveProperty('checkServerIdentity');
    expect(loadConfig(ServiceEnv, base).database).toEqual({ kind: 'postgres', url: base.DATABASE_URL });
    expect(postgresSslOptions('disable', {})).toBe(false);
    expect(postgresSslOptions('require', {})).toEqual({ rejectUnauthorized: false });
    const verifyCa = postgresSslOptions('verify-ca', { ca });
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true });
    expect(verifyCa && verifyCa.checkServerIdentity?.('elsewhere', {} as never)).toBeUndefined();
  });

  it('reads the files once: every use gets the same target', () => {
    const config = loadConfig(ServiceEnv, { ...base, DATABASE_SSLMODE: 'verify-full', DATABASE_SSL_CA: ca });
    expect(config.database).toBe(config.database);
  });
});
