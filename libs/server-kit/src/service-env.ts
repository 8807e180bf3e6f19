import { Transform, Type } from 'class-transformer';
import type { ConnectionOptions } from 'node:tls';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import {
  IsPemFile,
  POSTGRES_SSL_MODES,
  postgresSslOptions,
  Requires,
  urlTlsParams,
  type PostgresSslMode,
} from './tls-config';
import { toBoolean } from './typed-config';

/**
 * What every service's environment starts with: its HTTP listener and the Kafka brokers. The gateway's
 * config extends it; the database-backed services' through ServiceEnv.
 */
export class ListenerEnv {
  // --- HTTP ---
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 8080;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  // --- Kafka ---
  @IsString()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
  })
  KAFKA_BROKERS = '127.0.0.1:19092';

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }

  // --- Kafka security: declared here, checked together (files read, combinations) and turned into the
  // clients' TLS/SASL settings by kafkaSecurityFromEnv (@pgw/messaging) when main.ts starts. ---
  @Transform(toBoolean)
  @IsBoolean()
  KAFKA_SSL = false;

  @IsOptional()
  @IsString()
  KAFKA_SSL_CA_FILE?: string;

  @IsOptional()
  @IsString()
  KAFKA_SSL_CERT_FILE?: string;

  /** The path of the mTLS private key file (the key itself is in the mounted file). */
  @IsOptional()
  @IsString()
  KAFKA_SSL_KEY_FILE?: string;

  @IsOptional()
  @IsIn(['', 'plain', 'scram-sha-256', 'scram-sha-512', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], {
    message: 'KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512',
  })
  KAFKA_SASL_MECHANISM?: string;

  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME?: string;

  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME_FILE?: string;

  /** Secret: the SASL password (prefer KAFKA_SASL_PASSWORD_FILE, a mounted secret). */
  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD_FILE?: string;
}

/**
 * The environment every database-backed service (policy, audit, billing) shares: the listener and brokers,
 * Postgres, migrations and the admin token. A service's config class extends it, overrides the defaults
 * that differ (e.g. `PORT = 8082`) and adds its own variables.
 */
export class ServiceEnv extends ListenerEnv {
  // --- Postgres ---
  /** Secret (may carry a password). */
  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  /**
   * TLS to Postgres, libpq's modes: disable, require (encrypted), verify-ca (certificate chains to the
   * CA), verify-full (and the URL's host is in it). Unset: whatever DATABASE_URL says (plain by default).
   */
  @IsOptional()
  @IsIn(POSTGRES_SSL_MODES, { message: `DATABASE_SSLMODE must be one of ${POSTGRES_SSL_MODES.join(', ')}` })
  @Requires(
    (env) => urlTlsParams(env.DATABASE_URL).length === 0,
    'DATABASE_SSLMODE is set and DATABASE_URL carries TLS parameters too: set TLS in one place',
  )
  DATABASE_SSLMODE?: PostgresSslMode;

  /** Path of the CA bundle (PEM) that signs the server's certificate. */
  @IsOptional()
  @IsPemFile('certificate')
  @Requires(
    (env) => env.DATABASE_SSLMODE !== undefined && env.DATABASE_SSLMODE !== 'disable',
    'DATABASE_SSL_CA needs DATABASE_SSLMODE require, verify-ca or verify-full',
  )
  DATABASE_SSL_CA?: string;

  /** Client certificate (PEM), with DATABASE_SSL_KEY, for servers that ask for one. */
  @IsOptional()
  @IsPemFile('certificate')
  @Requires(
    (env) => env.DATABASE_SSL_KEY !== undefined && env.DATABASE_SSLMODE !== undefined,
    'DATABASE_SSL_CERT needs DATABASE_SSL_KEY and DATABASE_SSLMODE',
  )
  DATABASE_SSL_CERT?: string;

  /** Secret: the client certificate's private key (PEM, unencrypted). */
  @IsOptional()
  @IsPemFile('private key')
  @Requires((env) => env.DATABASE_SSL_CERT !== undefined, 'DATABASE_SSL_KEY needs DATABASE_SSL_CERT')
  DATABASE_SSL_KEY?: string;

  @Transform(toBoolean)
  @IsBoolean()
  RUN_MIGRATIONS = true;

  /** Migrate the schema and exit (the Kubernetes `migrate` init container); no Kafka, no HTTP. */
  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ONLY = false;

  /** The Postgres target of this service (TLS options read from the files once). */
  get database(): { kind: 'postgres'; url: string; ssl?: false | ConnectionOptions } {
    const mode = this.DATABASE_SSLMODE;
    this.databaseTarget ??= {
      kind: 'postgres',
      url: this.DATABASE_URL,
      ...(mode
        ? {
            ssl: postgresSslOptions(mode, {
              ca: this.DATABASE_SSL_CA,
              cert: this.DATABASE_SSL_CERT,
              key: this.DATABASE_SSL_KEY,
            }),
          }
        : {}),
    };
    return this.databaseTarget;
  }
  private databaseTarget?: { kind: 'postgres'; url: string; ssl?: false | ConnectionOptions };

  // --- Admin API ---
  /** Secret: the admin bearer token. */
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN: string;
}
