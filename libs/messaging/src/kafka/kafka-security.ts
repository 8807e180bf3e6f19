import { readFileSync } from 'node:fs';

/**
 * How every Kafka connection of the product is secured (producers, consumers, followers, admin clients
 * and scripts/kafka/ensure-topics.js): read once from the environment, validated at start, and handed to
 * kafkajs by {@link kafkajsSecurity}. Plain data only (strings), so it also crosses to the Kafka worker
 * thread as it is.
 */
export interface KafkaSecurity {
  /** TLS to the brokers; the broker's certificate and host name are always verified. */
  ssl?: {
    /** PEM CA bundle; absent: Node's built-in public CAs (managed services with public certificates). */
    ca?: string;
    /** mTLS: PEM client certificate chain and private key. */
    cert?: string;
    key?: string;
  };
  sasl?: KafkaSasl;
}

/** One member per mechanism, as kafkajs's SASLOptions spells them. */
export type KafkaSasl = {
  [M in KafkaSaslMechanism]: { mechanism: M; username: string; password: string };
}[KafkaSaslMechanism];

/** Every variable kafkaSecurityFromEnv reads (the config classes declare them too; k8s/test checks the Job's). */
export const KAFKA_SECURITY_VARIABLES = [
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_USERNAME_FILE',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
] as const;

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** A bad security setting: the message names the variable, never a secret's value. */
export class KafkaSecurityConfigError extends Error {
  override readonly name = 'KafkaSecurityConfigError';
}

type Env = Record<string, string | undefined>;
type ReadText = (path: string) => string;

const readText: ReadText = (path) => readFileSync(path, 'utf8');

/**
 * Builds the security settings from KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE,
 * KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME(_FILE) and KAFKA_SASL_PASSWORD(_FILE). Every problem found is
 * reported at once; files are read here, so a missing mount stops the process before it connects.
 */
export function kafkaSecurityFromEnv(env: Env = process.env, read: ReadText = readText): KafkaSecurity {
  const problems: string[] = [];
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const file = (name: string, mustContain: RegExp, what: string): string | undefined => {
    const path = env[name];
    if (!path) return undefined;
    let text: string;
    try {
      text = read(path);
    } catch (error) {
      problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
    if (!mustContain.test(text)) {
      problems.push(`${name}: ${path} holds no PEM ${what}`);
      return undefined;
    }
    return text;
  };
  /** A secret from its variable or from the file its _FILE variable names (a mounted secret). */
  const secret = (name: string): string | undefined => {
    const fileName = `${name}_FILE`;
    if (set(name) && set(fileName)) problems.push(`${name} and ${fileName}: set one of them, not both`);
    if (set(name)) return env[name];
    const path = env[fileName];
    if (!path) return undefined;
    try {
      // A mounted secret often ends with a newline the value does not have.
      const value = read(path).replace(/\r?\n$/, '');
      if (value === '') problems.push(`${fileName}: ${path} is empty`);
      return value;
    } catch (error) {
      problems.push(`${fileName}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };

  const security: KafkaSecurity = {};
  const sslFlag = (env.KAFKA_SSL ?? '').toLowerCase();
  if (!['', 'true', 'false'].includes(sslFlag)) problems.push('KAFKA_SSL: must be true or false');
  const ssl = sslFlag === 'true';
  const sslFiles = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter(set);
  if (!ssl && sslFiles.length > 0) problems.push(`${sslFiles.join(', ')}: set only with KAFKA_SSL=true`);
  if (ssl) {
    if (set('KAFKA_SSL_CERT_FILE') !== set('KAFKA_SSL_KEY_FILE'))
      problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: set both (mTLS) or neither');
    const ca = file('KAFKA_SSL_CA_FILE', /-----BEGIN CERTIFICATE-----/, 'certificate');
    const cert = file('KAFKA_SSL_CERT_FILE', /-----BEGIN CERTIFICATE-----/, 'certificate');
    const key = file('KAFKA_SSL_KEY_FILE', /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key');
    security.ssl = { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
  }

  const mechanism = (env.KAFKA_SASL_MECHANISM ?? '').toLowerCase();
  const username = secret('KAFKA_SASL_USERNAME');
  const password = secret('KAFKA_SASL_PASSWORD');
  if (mechanism === '') {
    const stray = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].filter((n) => set(n) || set(`${n}_FILE`));
    if (stray.length > 0) problems.push(`${stray.join(', ')}: set only with KAFKA_SASL_MECHANISM`);
  } else if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    problems.push(`KAFKA_SASL_MECHANISM: must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
  } else {
    if (!username) problems.push('KAFKA_SASL_USERNAME (or KAFKA_SASL_USERNAME_FILE): required with SASL');
    if (!password) problems.push('KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE): required with SASL');
    // PLAIN sends the password as it is: only inside TLS.
    if (mechanism === 'plain' && !ssl) problems.push('KAFKA_SASL_MECHANISM=plain: needs KAFKA_SSL=true');
    if (username && password) security.sasl = { mechanism, username, password } as KafkaSasl;
  }
  if (problems.length > 0)
    throw new KafkaSecurityConfigError(`Invalid Kafka security configuration:\n  ${problems.join('\n  ')}`);
  return security;
}

/** The `ssl` and `sasl` options of kafkajs's `new Kafka(...)`. */
export function kafkajsSecurity(security: KafkaSecurity | undefined): {
  ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: true };
  sasl?: KafkaSasl;
} {
  return {
    // kafkajs connects with servername = the broker's host, so Node checks the name against the certificate.
    ...(security?.ssl && { ssl: { ...security.ssl, rejectUnauthorized: true } }),
    ...(security?.sasl && { sasl: security.sasl }),
  };
}

/** For logs: the protocol and mechanism, never a secret (e.g. `SASL_SSL (scram-sha-512, user pgw)`). */
export function describeKafkaSecurity(security: KafkaSecurity | undefined): string {
  const protocol = `${security?.sasl ? 'SASL_' : ''}${security?.ssl ? 'SSL' : 'PLAINTEXT'}`;
  if (protocol === 'SSL' && security?.ssl?.cert) return 'SSL (mTLS)';
  return security?.sasl
    ? `${protocol} (${security.sasl.mechanism}, user ${security.sasl.username})`
    : protocol;
}
