import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../wait/wait-for';

/**
 * Servers of our own, configured for TLS, for the TLS integration tests: a Postgres cluster (initdb) and a
 * redis-server with a TLS port, each on a free port under a temp directory, with certificates made by
 * openssl when the test starts. The shared servers (5432, 6379) are never touched.
 */

const run = promisify(execFile);

export interface TlsMaterial {
  dir: string;
  /** The CA that signed the servers' certificate. */
  caFile: string;
  /** A CA that signed nothing here (an "untrusted" configuration). */
  otherCaFile: string;
  /** Server certificate and key; the certificate names only `localhost` (no IP). */
  serverCertFile: string;
  serverKeyFile: string;
}

/** Makes a CA, another CA and a server certificate for DNS:localhost signed by the first (EC P-256, 1 day). */
export async function makeTlsMaterial(): Promise<TlsMaterial> {
  const dir = mkdtempSync(join(tmpdir(), 'pgw-tls-'));
  chmodSync(dir, 0o755); // Postgres may run as another user (see startOwnPostgres)
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    await run('openssl', [
      'req', '-x509', ...ec, '-keyout', file(`${ca}.key`), '-out', file(`${ca}.crt`),
      '-days', '1', '-subj', `/CN=pgw test ${ca}`,
    ]); // prettier-ignore
  }
  await run('openssl', [
    'req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost',
  ]); // prettier-ignore
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost\n');
  await run('openssl', [
    'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-out', file('server.crt'), '-days', '1', '-extfile', file('server.ext'),
  ]); // prettier-ignore
  return {
    dir,
    caFile: file('ca.crt'),
    otherCaFile: file('other-ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
  };
}

export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Postgres binaries: PG_BIN, else pg_config's, else Debian's newest /usr/lib/postgresql/<v>/bin. */
function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config: look for Debian's layout
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    if (existsSync(join(base, version, 'bin', 'initdb'))) return join(base, version, 'bin');
  }
  throw new Error('no Postgres binaries found: set PG_BIN to the directory holding initdb and pg_ctl');
}

export interface OwnPostgres {
  port: number;
  stop(): Promise<void>;
}

/**
 * A throwaway Postgres cluster with ssl=on (the material's server certificate), trust auth, user
 * postgres, listening on 127.0.0.1. initdb and postgres refuse to run as root: then they run as the
 * postgres user, which must own the data directory and the key.
 */
export async function startOwnPostgres(tls: TlsMaterial): Promise<OwnPostgres> {
  const bin = postgresBin();
  const port = await freeLocalPort();
  const dataDir = join(tls.dir, 'pg');
  const asUser = process.getuid?.() === 0 ? 'postgres' : null;
  const tool = (name: string, args: string[]) =>
    asUser ? run('runuser', ['-u', asUser, '--', join(bin, name), ...args]) : run(join(bin, name), args);
  if (asUser) {
    const uid = Number(execFileSync('id', ['-u', asUser], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', asUser], { encoding: 'utf8' }).trim());
    chownSync(tls.serverKeyFile, uid, gid);
    chownSync(tls.serverCertFile, uid, gid);
    chownSync(tls.dir, uid, gid);
  }
  chmodSync(tls.serverKeyFile, 0o600); // Postgres refuses a key others can read
  await tool('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dataDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c ssl=on',
    `-c ssl_cert_file=${tls.serverCertFile}`,
    `-c ssl_key_file=${tls.serverKeyFile}`,
  ].join(' ');
  await tool('pg_ctl', ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', options, '-w', 'start']);
  return {
    port,
    stop: async () => {
      await tool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    },
  };
}

export interface OwnRedis {
  /** The TLS port (the plain port is off). */
  port: number;
  stop(): Promise<void>;
}

/**
 * redis-server with only a TLS port (the material's server certificate; clients need no certificate) and
 * ACL users: `default` off, and `user` with `password` allowed everything.
 */
export async function startOwnRedis(
  tls: TlsMaterial,
  acl: { user: string; password: string },
): Promise<OwnRedis> {
  const port = await freeLocalPort();
  const config = join(tls.dir, `redis-${port}.conf`);
  writeFileSync(
    config,
    [
      'port 0',
      `tls-port ${port}`,
      'bind 127.0.0.1',
      `tls-cert-file ${tls.serverCertFile}`,
      `tls-key-file ${tls.serverKeyFile}`,
      `tls-ca-cert-file ${tls.caFile}`,
      'tls-auth-clients no',
      'save ""',
      'appendonly no',
      `dir ${tls.dir}`,
      'user default off',
      `user ${acl.user} on >${acl.password} ~* &* +@all`,
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited:\n${output.slice(-2_000)}`);
      return /Ready to accept connections/.test(output);
    },
    { timeoutMs: 20_000, description: 'redis-server with TLS ready' },
  );
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function removeTlsMaterial(tls: TlsMaterial | undefined): void {
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
}
