import { ApiProperty } from '@nestjs/swagger';
import { ENTITY_TYPES } from '../change-history.repository';
import type { ChangeEntity } from '../change.entity';

export class ChangeResponseDto {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty() project_id: string;
  @ApiProperty({ enum: ENTITY_TYPES }) entity_type: string;
  @ApiProperty() entity_id: string;
  @ApiProperty({
    example: 'update',
    description: 'create, update, plan_change, revoke, create_revision, activate, rollback',
  })
  action: string;
  @ApiProperty({ example: 'alice@example.com' }) actor: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What changed: `{ field: { old, new } }` for settings; revision numbers and diff paths for policies.',
  })
  changes: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;

  static from(entity: ChangeEntity): ChangeResponseDto {
    return {
      id: entity.id,
      project_id: entity.project_id ?? '',
      entity_type: entity.entity_type,
      entity_id: entity.entity_id,
      action: entity.action,
      actor: entity.actor,
      changes: entity.changes,
      created_at: entity.created_at.toISOString(),
    };
  }
}

export class ChangePageResponseDto {
  @ApiProperty({ type: [ChangeResponseDto] }) data: ChangeResponseDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
