import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  DECISIONS,
  DECISION_TARGETS,
  ROLLOUT_MODES,
  type DecisionKind,
  type DecisionTarget,
  type RolloutMode,
} from '@pgw/contracts';

/** One audit record: exactly the documented audit fields plus event_id, request_id and the owning project. */
export class DecisionResponseDto {
  @ApiProperty() event_id: string;
  @ApiProperty() created_at: string;
  @ApiProperty() project_id: string;
  @ApiProperty() request_id: string;
  @ApiProperty({ enum: DECISIONS }) decision: DecisionKind;
  @ApiProperty() reason_code: string;
  @ApiProperty({ type: [String] }) triggered_categories: string[];
  @ApiProperty({ enum: ROLLOUT_MODES }) rollout_mode: RolloutMode;
  @ApiProperty() enforced: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) policy_id: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) policy_user: string | null;
  @ApiProperty() policy_project_id: string;
  @ApiProperty({ enum: DECISION_TARGETS }) policy_target: DecisionTarget;
  @ApiProperty() allowlist_hits: number;
  @ApiProperty() denylist_hits: number;
  @ApiProperty() model: string;
}

export class DecisionPageResponseDto {
  @ApiProperty({ type: [DecisionResponseDto] }) data: DecisionResponseDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) next_cursor: string | null;
}

export class StatsBucketResponseDto {
  @ApiProperty() start: string;
  @ApiProperty() total: number;
  @ApiProperty({
    description: 'count per decision',
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  decisions: Record<string, number>;
  @ApiProperty({
    description: 'count per triggered category',
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  categories: Record<string, number>;
}

export class DecisionStatsResponseDto {
  @ApiProperty({ enum: ['hour', 'day'] }) bucket: 'hour' | 'day';
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [StatsBucketResponseDto] }) buckets: StatsBucketResponseDto[];
}
