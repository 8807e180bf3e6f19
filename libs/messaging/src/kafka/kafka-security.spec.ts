import {
  describeKafkaSecurity,
  kafkajsSecurity,
  KafkaSecurityConfigError,
  kafkaSecurityFromEnv,
} from './kafka-security';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const files: Record<string, string> = {
  '/run/ca.pem': CERT,
  '/run/client.pem': CERT,
  '/run/client.key': KEY,
  '/run/password': 's3cret-from-file\n',
  '/run/user': 'pgw\n',
  '/run/empty': '',
  '/run/not-pem': 'hello',
};
const read = (path: string): string => {
  if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return files[path];
};
const build = (env: Record<string, string>) => kafkaSecurityFromEnv(env, read);
const problemsOf = (env: Record<string, string>): string => {
  try {
    build(env);
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaSecurityConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('kafkaSecurityFromEnv', () => {
  it('is plaintext without any variable', () => {
    expect(build({})).toEqual({});
    expect(kafkajsSecurity(build({}))).toEqual({});
    expect(describeKafkaSecurity(build({}))).toBe('PLAINTEXT');
  });

  it('builds SASL_SSL with SCRAM, a CA file and mTLS, with verification always on', () => {
    const security = build({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/run/ca.pem',
      KAFKA_SSL_CERT_FILE: '/run/client.pem',
      KAFKA_SSL_KEY_FILE: '/run/client.key',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'pgw',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(security).toEqual({
      ssl: { ca: CERT, cert: CERT, key: KEY },
      sasl: { mechanism: 'scram-sha-512', username: 'pgw', password: 'pw' },
    });
    expect(kafkajsSecurity(security).ssl).toEqual({
      ca: CERT,
      cert: CERT,
      key: KEY,
      rejectUnauthorized: true,
    });
    expect(describeKafkaSecurity(security)).toBe('SASL_SSL (scram-sha-512, user pgw)');
    // Plain data: it crosses to the Kafka worker thread by structured clone.
    expect(structuredClone(security)).toEqual(security);
  });

  it('reads the user and password from mounted secret files, without their trailing newline', () => {
    const security = build({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME_FILE: '/run/user',
      KAFKA_SASL_PASSWORD_FILE: '/run/password',
    });
    expect(security).toEqual({
      ssl: {},
      sasl: { mechanism: 'scram-sha-256', username: 'pgw', password: 's3cret-from-file' },
    });
  });

  it('reports every problem at once, naming the variable and never a secret value', () => {
    const message = problemsOf({
      KAFKA_SSL: 'yes please',
      KAFKA_SSL_CA_FILE: '/run/missing.pem',
      KAFKA_SASL_MECHANISM: 'gssapi',
      KAFKA_SASL_PASSWORD: 'hunter2-secret',
      KAFKA_SASL_PASSWORD_FILE: '/run/password',
    });
    expect(message).toContain('KAFKA_SSL: must be true or false');
    expect(message).toContain('KAFKA_SSL_CA_FILE: set only with KAFKA_SSL=true');
    expect(message).toContain('KAFKA_SASL_MECHANISM: must be one of plain, scram-sha-256, scram-sha-512');
    expect(message).toContain('KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE: set one of them');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('s3cret');
  });

  it.each([
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/run/missing.pem' },
      'KAFKA_SSL_CA_FILE: cannot read /run/missing.pem (ENOENT)',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/run/not-pem' },
      'KAFKA_SSL_CA_FILE: /run/not-pem holds no PEM certificate',
    ],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/run/client.pem' }, 'set both (mTLS) or neither'],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/run/client.pem', KAFKA_SSL_KEY_FILE: '/run/ca.pem' },
      'KAFKA_SSL_KEY_FILE: /run/ca.pem holds no PEM private key',
    ],
    [
      { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'pgw' },
      'KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE): required',
    ],
    [
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_MECHANISM=plain: needs KAFKA_SSL=true',
    ],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'set only with KAFKA_SASL_MECHANISM'],
    [
      {
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD_FILE: '/run/empty',
      },
      'KAFKA_SASL_PASSWORD_FILE: /run/empty is empty',
    ],
    [{ KAFKA_SASL_MECHANISM: 'oauthbearer' }, 'must be one of'],
  ])('refuses %j', (env, expected) => {
    expect(problemsOf(env)).toContain(expected);
  });

  it('SCRAM without TLS is allowed (the password never crosses the wire) and named SASL_PLAINTEXT', () => {
    const security = build({
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(describeKafkaSecurity(security)).toBe('SASL_PLAINTEXT (scram-sha-256, user u)');
  });
});
