import { ApiProperty } from '@nestjs/swagger';
import { ROLLOUT_MODES, type RolloutMode } from '@pgw/contracts';
import { policyIdOf } from '../../outbox/state-records';
import type { ConfigChange } from '../config-diff';
import type { PolicyRevisionEntity } from '../policy-revision.entity';

export class ConfigChangeDto implements ConfigChange {
  @ApiProperty({ enum: ['add', 'remove', 'replace'] }) op: 'add' | 'remove' | 'replace';
  @ApiProperty({ example: '/rules/0/action', description: 'JSON pointer into the config.' }) path: string;
}

export class PolicyRevisionResponseDto {
  @ApiProperty() project_id: string;
  @ApiProperty({
    example: 'prj_3k2j4h5g6f7d8s9a.r3',
    description: 'What decision records carry as policy_id.',
  })
  policy_id: string;
  @ApiProperty() revision: number;
  @ApiProperty() active: boolean;
  @ApiProperty({ enum: ROLLOUT_MODES }) rollout_mode: RolloutMode;
  @ApiProperty() canary_percent: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) config: unknown;
  @ApiProperty({ description: 'The actor who created the revision.' }) author: string;
  @ApiProperty({ type: String, nullable: true }) message: string | null;
  @ApiProperty({ type: [ConfigChangeDto], description: 'Changes against the previous revision.' })
  diff: ConfigChangeDto[];
  @ApiProperty({ type: Number, nullable: true, description: 'Set when this revision is a rollback.' })
  rolled_back_from: number | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;

  static from(entity: PolicyRevisionEntity, activeRevision: number | null): PolicyRevisionResponseDto {
    return {
      project_id: entity.project_id,
      policy_id: policyIdOf(entity.project_id, entity.revision),
      revision: entity.revision,
      active: entity.revision === activeRevision,
      rollout_mode: entity.rollout_mode,
      canary_percent: entity.canary_percent,
      config: entity.config,
      author: entity.author,
      message: entity.message,
      diff: entity.diff,
      rolled_back_from: entity.rolled_back_from,
      created_at: entity.created_at.toISOString(),
    };
  }
}

export class PolicyRevisionPageResponseDto {
  @ApiProperty({ type: [PolicyRevisionResponseDto] }) data: PolicyRevisionResponseDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export class DryRunPolicyResponseDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The evaluated revision (null for a draft config).',
  })
  revision: number | null;
  @ApiProperty({ example: 'input' }) target: string;
  @ApiProperty({ example: 'redact', description: 'block, redact, flag or allow' }) decision: string;
  @ApiProperty({ example: 'pii_detected' }) reason_code: string;
  @ApiProperty({ type: [String] }) triggered_categories: string[];
  @ApiProperty() allowlist_hits: number;
  @ApiProperty() denylist_hits: number;
}
