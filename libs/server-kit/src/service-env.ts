import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsString, Matches, Max, Min, MinLength } from 'class-validator';
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
