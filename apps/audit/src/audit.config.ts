import { attestationKeyPem, IsEd25519PrivateKeyFile, IsEd25519PrivateKeyPem } from '@pgw/audit-server';
import { toBoolean } from '@pgw/server-kit';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/** The audit service's environment, validated at start (the process exits naming the bad variable). */
export class AuditConfig {
  // --- HTTP ---
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 8082;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

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
  KAFKA_CONSUMER_GROUP = 'audit';

  // --- Admin API (secret) ---
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN: string;

  // --- Retention ---
  /** Days of time partitions created ahead by the maintenance job (at start and hourly). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  AUDIT_PARTITION_DAYS_AHEAD = 7;

  // --- Compliance attestations (secret) ---
  /** PKCS#8 PEM of the Ed25519 key that signs attestations. Unset (and no _FILE): an ephemeral key, dev only. */
  @IsOptional()
  @IsEd25519PrivateKeyPem()
  ATTESTATION_PRIVATE_KEY?: string;

  /** A file holding that PEM instead (e.g. a mounted Kubernetes secret). */
  @IsOptional()
  @IsEd25519PrivateKeyFile('ATTESTATION_PRIVATE_KEY')
  ATTESTATION_PRIVATE_KEY_FILE?: string;

  get attestationPrivateKeyPem(): string | undefined {
    return attestationKeyPem({ pem: this.ATTESTATION_PRIVATE_KEY, file: this.ATTESTATION_PRIVATE_KEY_FILE });
  }

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }
}
