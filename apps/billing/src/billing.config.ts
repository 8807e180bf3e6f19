import { toBoolean } from '@pgw/server-kit';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** The billing service's environment, validated at start (the process exits naming the bad variable). */
export class BillingConfig {
  // --- HTTP ---
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 8083;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  /** Prometheus /metrics listens here, apart from the admin port (it lists per-project counters). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  METRICS_PORT = 9093;

  // --- Postgres (secret: may hold a password) ---
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @Transform(toBoolean)
  @IsBoolean()
  RUN_MIGRATIONS = true;

  /** Migrate the schema and exit (the Kubernetes migration Job); no Kafka, no HTTP. */
  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ONLY = false;

  // --- Kafka ---
  @IsString()
  @Matches(/^[^,\s]+(,[^,\s]+)*$/, { message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:19092';

  /** Names the consumer group (`<name>.<topic>`); replicas of one deployment share it. */
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'KAFKA_CONSUMER_GROUP must be 1-100 of [A-Za-z0-9._-]' })
  KAFKA_CONSUMER_GROUP = 'billing';

  // --- Admin API (secret) ---
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN: string;

  // --- Telemetry retention ---
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  BILLING_RAW_RETENTION_DAYS = 30;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  BILLING_ROLLUP_RETENTION_DAYS = 400;

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }
}
