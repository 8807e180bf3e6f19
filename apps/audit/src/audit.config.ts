import { withAttestationKeyEnv } from '@pgw/audit-server';
import { ServiceEnv } from '@pgw/server-kit';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';

/** The audit service's environment, validated at start (the process exits naming the bad variable). */
export class AuditConfig extends withAttestationKeyEnv(ServiceEnv) {
  // (HTTP, DATABASE_URL, migrations, KAFKA_BROKERS and ADMIN_TOKEN come from ServiceEnv;
  // ATTESTATION_PRIVATE_KEY / _FILE from withAttestationKeyEnv.)
  override PORT = 8082;

  /** Prometheus /metrics listens here, apart from the admin port (it lists per-project counters). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  METRICS_PORT = 9092;

  /** Names the consumer group (`<name>.<topic>`); replicas of one deployment share it. */
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'KAFKA_CONSUMER_GROUP must be 1-100 of [A-Za-z0-9._-]' })
  KAFKA_CONSUMER_GROUP = 'audit';

  // --- Retention ---
  /** Days of time partitions created ahead by the maintenance job (at start and hourly). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  AUDIT_PARTITION_DAYS_AHEAD = 7;
}
