import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { DECISIONS, ROLLOUT_MODES, type DecisionKind, type RolloutMode } from '@pgw/contracts';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

/** Filters shared by the listing and the stats (query string). */
export class DecisionFilterRequestDto {
  @ApiPropertyOptional({ description: 'Inclusive lower bound of created_at (ISO-8601).' })
  @IsOptional()
  @IsStorableTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive upper bound of created_at (ISO-8601).' })
  @IsOptional()
  @IsStorableTimestamp()
  to?: string;

  @ApiPropertyOptional({
    description: 'Admin token only; a project key is always scoped to its own project.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  project_id?: string;

  @ApiPropertyOptional({ enum: DECISIONS })
  @IsOptional()
  @IsIn(DECISIONS)
  decision?: DecisionKind;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reason_code?: string;

  @ApiPropertyOptional({ description: 'Rows whose triggered_categories contain this category.' })
  @IsOptional()
  @IsString()
  @MaxLength(96)
  category?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  policy_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(256)
  policy_user?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  model?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  enforced?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ROLLOUT_MODES })
  @IsOptional()
  @IsIn(ROLLOUT_MODES)
  rollout_mode?: RolloutMode;
}
