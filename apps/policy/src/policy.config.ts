import { toBoolean } from '@pgw/server-kit';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { Type } from 'class-transformer';

/** The policy service's environment, validated at start (a bad value stops the app, naming the variable). */
export class PolicyConfig {
  // --- HTTP ---
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 8081;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  // --- Database (schema `policy`) ---
  /** Secret (may carry a password). */
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @Transform(toBoolean)
  @IsBoolean()
  RUN_MIGRATIONS = true;

  /** Migrate the schema and exit (the Kubernetes migration Job); no Kafka, no HTTP. */
  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ONLY = false;

  // --- Kafka ---
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be a comma list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:19092';

  /** Consumer group that follows usage events to keep keys' last_used_at current (shared by replicas). */
  @IsString()
  @IsNotEmpty()
  KEY_USAGE_CONSUMER_GROUP = 'policy.key-last-used';

  // --- Admin API ---
  /** Secret: the admin bearer token. */
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN: string;

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }
}
