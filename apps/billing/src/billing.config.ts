import { ServiceEnv } from '@pgw/server-kit';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';

/** The billing service's environment, validated at start (the process exits naming the bad variable). */
export class BillingConfig extends ServiceEnv {
  // (HTTP, DATABASE_URL, migrations, KAFKA_BROKERS and ADMIN_TOKEN come from ServiceEnv.)
  override PORT = 8083;

  /** Prometheus /metrics listens here, apart from the admin port (it lists per-project counters). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  METRICS_PORT = 9093;

  /** Names the consumer group (`<name>.<topic>`); replicas of one deployment share it. */
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'KAFKA_CONSUMER_GROUP must be 1-100 of [A-Za-z0-9._-]' })
  KAFKA_CONSUMER_GROUP = 'billing';

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
}
