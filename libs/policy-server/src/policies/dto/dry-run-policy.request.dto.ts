import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { POLICY_TARGETS, type PolicyTarget } from '@pgw/contracts';

export class DryRunPolicyRequestDto {
  @ApiProperty({ description: 'Sample text. Evaluated in memory only: never stored, logged or returned.' })
  @IsString()
  @MaxLength(100_000)
  text: string;

  @ApiProperty({ enum: POLICY_TARGETS })
  @IsIn(POLICY_TARGETS)
  target: PolicyTarget;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'A draft config to try; default the active revision.',
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}
