import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';

export class RollbackPolicyRequestDto {
  @ApiProperty({
    minimum: 1,
    description: 'The earlier revision whose config becomes a new, active revision.',
  })
  @IsInt()
  @Min(1)
  revision: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  message?: string;
}
