import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PLAN_IDS, ROLLOUT_MODES, type PlanId, type RolloutMode } from '@pgw/contracts';
import { RateLimitsDto } from './rate-limits.dto';

export class CreateProjectRequestDto {
  @ApiProperty({ example: 'support-bot' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ enum: PLAN_IDS, default: 'free' })
  @IsOptional()
  @IsIn(PLAN_IDS)
  plan?: PlanId;

  @ApiPropertyOptional({ enum: ROLLOUT_MODES, default: 'enforce' })
  @IsOptional()
  @IsIn(ROLLOUT_MODES)
  default_rollout_mode?: RolloutMode;

  @ApiProperty({ type: [String], example: ['gpt-4o-mini'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  allowed_models: string[];

  @ApiPropertyOptional({
    type: RateLimitsDto,
    description: "Project limits; default (or null) = the plan's.",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitsDto)
  limits?: RateLimitsDto;

  @ApiPropertyOptional({
    type: RateLimitsDto,
    description: 'Default per-key limits; null = only the project limits apply.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitsDto)
  key_limits?: RateLimitsDto;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'Monthly budget in micro-dollars; null = none.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  monthly_budget_micros?: number | null;

  @ApiPropertyOptional({ default: 80, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  budget_soft_alert_percent?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "The project's first policy config (revision 1, active at once); default the default policy. Validated and compiled like any revision.",
  })
  @IsOptional()
  @IsObject()
  policy?: Record<string, unknown>;

  @ApiPropertyOptional({
    default: 30,
    minimum: 1,
    description: 'More than 30 days requires the enterprise plan.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36_500)
  audit_retention_days?: number;
}
