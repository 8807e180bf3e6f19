import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { INT4_MAX } from '@pgw/server-kit';

export class RollbackPolicyRequestDto {
  @ApiProperty({
    minimum: 1,
    description: 'The earlier revision whose config becomes a new, active revision.',
  })
  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  revision: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  message?: string;
}
