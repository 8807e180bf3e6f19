import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ROLLOUT_MODES, type RolloutMode } from '@pgw/contracts';

export class CreatePolicyRevisionRequestDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The full policy config; validated and compiled by the policy engine before it is stored.',
  })
  @IsObject()
  config: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Block AWS keys in prompts' })
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  message?: string;

  @ApiPropertyOptional({ enum: ROLLOUT_MODES, description: "Default: the project's default rollout mode." })
  @IsOptional()
  @IsIn(ROLLOUT_MODES)
  rollout_mode?: RolloutMode;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 100,
    description: 'Required for (and only for) rollout_mode canary.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  canary_percent?: number;

  @ApiPropertyOptional({ default: true, description: 'Activate the new revision at once.' })
  @IsOptional()
  @IsBoolean()
  activate?: boolean;
}
