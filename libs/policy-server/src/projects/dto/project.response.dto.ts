import { ApiProperty } from '@nestjs/swagger';
import { PLAN_IDS, ROLLOUT_MODES, type PlanId, type RolloutMode } from '@pgw/contracts';
import { projectKeyLimits, projectLimits } from '../../outbox/state-records';
import type { ProjectEntity } from '../project.entity';

export class RateLimitsResponseDto {
  @ApiProperty({ type: Number, nullable: true }) requests_per_minute: number | null;
  @ApiProperty({ type: Number, nullable: true }) tokens_per_minute: number | null;
}

export class ProjectResponseDto {
  @ApiProperty({ example: 'prj_3k2j4h5g6f7d8s9a' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: PLAN_IDS }) plan: PlanId;
  @ApiProperty({ enum: ROLLOUT_MODES }) default_rollout_mode: RolloutMode;
  @ApiProperty({ type: [String] }) allowed_models: string[];
  @ApiProperty({
    type: RateLimitsResponseDto,
    description: "Effective project limits (the plan's, possibly tightened).",
  })
  limits: RateLimitsResponseDto;
  @ApiProperty({
    type: RateLimitsResponseDto,
    description: 'Default per-key limits (null: only the project limits).',
  })
  key_limits: RateLimitsResponseDto;
  @ApiProperty({ type: Number, nullable: true }) monthly_budget_micros: number | null;
  @ApiProperty() budget_soft_alert_percent: number;
  @ApiProperty() audit_retention_days: number;
  @ApiProperty({ type: Number, nullable: true, description: 'The active policy revision, if any.' })
  active_policy_revision: number | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static from(entity: ProjectEntity): ProjectResponseDto {
    return {
      id: entity.id,
      name: entity.name,
      plan: entity.plan,
      default_rollout_mode: entity.default_rollout_mode,
      allowed_models: entity.allowed_models,
      limits: projectLimits(entity),
      key_limits: projectKeyLimits(entity),
      monthly_budget_micros: entity.monthly_budget_micros,
      budget_soft_alert_percent: entity.budget_soft_alert_percent,
      audit_retention_days: entity.audit_retention_days,
      active_policy_revision: entity.active_revision,
      created_at: entity.created_at.toISOString(),
      updated_at: entity.updated_at.toISOString(),
    };
  }
}

export class ProjectPageResponseDto {
  @ApiProperty({ type: [ProjectResponseDto] }) data: ProjectResponseDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
