import {
  type KafkaSecurity,
  describeKafkaSecurity,
  KafkaSecurityConfigError,
  kafkaSecurityFromEnv,
  kafkajsSecurity,
} from './kafka-security';
import { loadKafkajs } from './kafka-support';

/** The brokers refused the client's TLS or SASL credentials: retrying cannot help, so the process stops. */
export class KafkaSecurityError extends Error {
  override readonly name = 'KafkaSecurityError';
}

/** Node's certificate verification failures (a wrong CA, a name that does not match, an expired cert). */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
  broker?: string;
}

/** The error and what it wraps (kafkajs wraps the socket's error and its retrier wraps that). */
function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && !found.includes(current) && found.length < 10) {
    const e = current as ErrorLike;
    found.push(e);
    current = e.cause ?? e.originalError;
  }
  return found;
}

/**
 * Why a connection failed, when the reason is the security settings (credentials or trust) rather than
 * a broker that is away; null otherwise. The message says what to check and never holds a secret.
 */
export function securityFailure(error: unknown, security: KafkaSecurity | undefined): string | null {
  for (const e of chain(error)) {
    const at = e.broker ? ` at ${e.broker}` : '';
    if (e.name === 'KafkaJSSASLAuthenticationError' && security?.sasl) {
      const { mechanism, username } = security.sasl;
      return (
        `Kafka${at} refused the SASL ${mechanism.toUpperCase()} login of user "${username}": ` +
        'check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or their _FILE secrets) and the mechanism'
      );
    }
    if (e.code && TLS_TRUST_CODES.has(e.code)) {
      return (
        `TLS to Kafka${at} failed: the broker's certificate is not trusted (${e.code}); check ` +
        'KAFKA_SSL_CA_FILE (the CA that signed the broker certificate) and that the certificate names the broker address'
      );
    }
    if (security?.ssl && /wrong version number|EPROTO/i.test(`${e.code ?? ''} ${e.message ?? ''}`)) {
      return `TLS to Kafka${at} failed (${e.code ?? 'EPROTO'}): is that a TLS listener? KAFKA_SSL=true needs one`;
    }
  }
  return null;
}

export interface KafkaPreflightOptions {
  brokers: string[];
  clientId: string;
  security?: KafkaSecurity;
  timeoutMs?: number;
}

/**
 * One connection attempt at start, without retries: wrong credentials or an untrusted certificate throw a
 * KafkaSecurityError at once (kafkajs would retry a TLS failure as a network error for minutes). A broker
 * that does not answer is not an error here: the bus rides out outages as it always did.
 */
export async function checkKafkaSecurity(
  options: KafkaPreflightOptions,
): Promise<{ reachable: boolean; protocol: string; detail?: string }> {
  const { Kafka, logLevel } = loadKafkajs();
  const timeoutMs = options.timeoutMs ?? 5_000;
  const kafka = new Kafka({
    clientId: `${options.clientId}-preflight`,
    brokers: options.brokers,
    ...kafkajsSecurity(options.security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    authenticationTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  const protocol = describeKafkaSecurity(options.security);
  try {
    await admin.connect();
    await admin.describeCluster();
    return { reachable: true, protocol };
  } catch (error) {
    const reason = securityFailure(error, options.security);
    if (reason) throw new KafkaSecurityError(reason);
    // kafkajs's own words (no secret in them), e.g. a TLS client at a plaintext listener: "Client network
    // socket disconnected before secure TLS connection was established".
    const detail = chain(error)
      .map((e) => e.message)
      .filter((m): m is string => !!m)
      .pop();
    return { reachable: false, protocol, ...(detail && { detail }) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * What each app's main.ts runs before it creates its bus: the security settings from the environment,
 * checked against the brokers once. Throws KafkaSecurityConfigError or KafkaSecurityError (see
 * {@link exitOnKafkaSecurityError}).
 */
export async function kafkaSecurityAtStart(options: {
  brokers: string[];
  clientId: string;
  log: (message: string) => void;
  env?: Record<string, string | undefined>;
}): Promise<KafkaSecurity> {
  const security = kafkaSecurityFromEnv(options.env ?? process.env);
  const { reachable, protocol, detail } = await checkKafkaSecurity({ ...options, security });
  const brokers = options.brokers.join(',');
  options.log(
    reachable
      ? `Kafka over ${protocol} at ${brokers}`
      : `Kafka over ${protocol}: no broker at ${brokers} answered yet (${detail ?? 'no answer'}); connecting in the background`,
  );
  return security;
}

/** For main.ts: a security problem is printed as one clear message and the process exits 1. */
export function exitOnKafkaSecurityError(error: unknown): never {
  if (error instanceof KafkaSecurityConfigError || error instanceof KafkaSecurityError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
