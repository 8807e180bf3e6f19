import { ApiProperty } from '@nestjs/swagger';
import { KEY_PREFIX } from '@pgw/contracts';
import { keyLimits } from '../../outbox/state-records';
import { RateLimitsResponseDto } from '../../projects/dto/project.response.dto';
import type { ApiKeyEntity } from '../api-key.entity';

export const KEY_VIEW_STATUSES = ['active', 'revoked', 'expired'] as const;

/** A key as listed: never its secret or hash. */
export class KeyResponseDto {
  @ApiProperty({ example: 'k3j4h5g6f7d8s9a0' }) id: string;
  @ApiProperty() project_id: string;
  @ApiProperty() name: string;
  @ApiProperty({
    example: 'pgw_k3j4h5g6f7d8s9a0_…',
    description: 'Identifies the key; the secret is never shown again.',
  })
  prefix: string;
  @ApiProperty({ enum: KEY_VIEW_STATUSES }) status: (typeof KEY_VIEW_STATUSES)[number];
  @ApiProperty({ type: [String], nullable: true }) allowed_models: string[] | null;
  @ApiProperty({ type: RateLimitsResponseDto, nullable: true }) limits: RateLimitsResponseDto | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Start of the newest request made with this key (from usage events; null if never used).',
  })
  last_used_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at: string | null;

  static from(entity: ApiKeyEntity, now = new Date()): KeyResponseDto {
    return {
      id: entity.id,
      project_id: entity.project_id,
      name: entity.name,
      prefix: `${KEY_PREFIX}${entity.id}_…`,
      status: entity.revoked_at
        ? 'revoked'
        : entity.expires_at && entity.expires_at <= now
          ? 'expired'
          : 'active',
      allowed_models: entity.allowed_models,
      limits: keyLimits(entity),
      created_at: entity.created_at.toISOString(),
      last_used_at: entity.last_used_at?.toISOString() ?? null,
      expires_at: entity.expires_at?.toISOString() ?? null,
      revoked_at: entity.revoked_at?.toISOString() ?? null,
    };
  }
}

export class CreatedKeyResponseDto extends KeyResponseDto {
  @ApiProperty({
    example: 'pgw_k3j4h5g6f7d8s9a0_…',
    description: 'The full key. Shown once; only its hash is stored.',
  })
  key: string;
}

export class KeyPageResponseDto {
  @ApiProperty({ type: [KeyResponseDto] }) data: KeyResponseDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
