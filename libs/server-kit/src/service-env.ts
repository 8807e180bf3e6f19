import { Transform, Type } from 'class-transformer';
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

  @Transform(toBoolean)
  @IsBoolean()
  RUN_MIGRATIONS = true;

  /** Migrate the schema and exit (the Kubernetes `migrate` init container); no Kafka, no HTTP. */
  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ONLY = false;

  // --- Admin API ---
  /** Secret: the admin bearer token. */
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN: string;
}
