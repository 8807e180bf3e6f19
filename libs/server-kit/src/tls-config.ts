import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * TLS settings read from the environment: certificate files named by path (mounted from Kubernetes
 * secrets), checked when the config is loaded, so a wrong path or a file that is not what it should be
 * stops the service at start with the variable's name. Messages name paths and variables, never a file's
 * contents.
 */

/** libpq's sslmode values (`allow`/`prefer` left out: a downgrade to plain text is never wanted). */
export const POSTGRES_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number];

type PemKind = 'certificate' | 'private key';

/** Why a PEM file is unusable, or null when it reads and parses. */
export function pemFileProblem(path: string, kind: PemKind): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return `cannot read ${path} (${code})`;
  }
  try {
    if (kind === 'certificate') new X509Certificate(text);
    else createPrivateKey(text);
    return null;
  } catch {
    return `${path} is not a PEM ${kind}`;
  }
}

/** `@IsPemFile('certificate')`: the value is the path of a readable PEM file of that kind. */
export function IsPemFile(kind: PemKind) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPemFile',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && pemFileProblem(value, kind) === null,
        defaultMessage: (args?: ValidationArguments) =>
          typeof args?.value === 'string'
            ? `${args.property}: ${pemFileProblem(args.value, kind)}`
            : `${args?.property} must be the path of a PEM ${kind}`,
      },
    });
}

/**
 * `@Requires(check, message)`: a cross-variable rule on a set variable, e.g. a CA only with a verifying
 * mode, a client certificate only with its key.
 */
export function Requires(check: (config: Record<string, unknown>) => boolean, message: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'requires',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (_value: unknown, args?: ValidationArguments) =>
          check(args?.object as Record<string, unknown>),
        defaultMessage: () => message,
      },
    });
}

/** TLS parameters a postgres:// URL can carry itself (node-postgres reads them and they would win). */
const URL_TLS_PARAMS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'];

export function urlTlsParams(url: unknown): string[] {
  if (typeof url !== 'string') return [];
  try {
    const params = new URL(url).searchParams;
    return URL_TLS_PARAMS.filter((name) => params.has(name));
  } catch {
    return [];
  }
}

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

function readFiles(files: TlsFiles): Pick<ConnectionOptions, 'ca' | 'cert' | 'key'> {
  return {
    ...(files.ca ? { ca: readFileSync(files.ca, 'utf8') } : {}),
    ...(files.cert ? { cert: readFileSync(files.cert, 'utf8') } : {}),
    ...(files.key ? { key: readFileSync(files.key, 'utf8') } : {}),
  };
}

/**
 * node-postgres `ssl` options for an sslmode, with libpq's meaning:
 * - disable: plain text;
 * - require: encrypted; the server's certificate is checked against the CA only when one is given
 *   (libpq does the same when a root certificate is present);
 * - verify-ca: encrypted, the certificate must chain to the CA (the system's trust store without one);
 * - verify-full: as verify-ca, and the host name (or IP) in the URL must be in the certificate.
 */
export function postgresSslOptions(mode: PostgresSslMode, files: TlsFiles): false | ConnectionOptions {
  if (mode === 'disable') return false;
  const material = readFiles(files);
  const skipHostCheck = { checkServerIdentity: () => undefined };
  switch (mode) {
    case 'require':
      return files.ca
        ? { ...material, rejectUnauthorized: true, ...skipHostCheck }
        : { ...material, rejectUnauthorized: false };
    case 'verify-ca':
      return { ...material, rejectUnauthorized: true, ...skipHostCheck };
    case 'verify-full':
      return { ...material, rejectUnauthorized: true };
  }
}

/** ioredis `tls` options for a rediss:// URL: the CA (else the system's trust store), host name checked. */
export function redisTlsOptions(files: TlsFiles): ConnectionOptions {
  return { ...readFiles(files), rejectUnauthorized: true };
}
