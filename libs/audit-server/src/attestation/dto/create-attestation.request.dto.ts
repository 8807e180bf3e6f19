import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** `POST /admin/v1/audit/attestations` */
export class CreateAttestationRequestDto {
  @ApiPropertyOptional({
    description: 'Required with the admin token; a project key attests its own project (and only that one).',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  project_id?: string;

  @ApiProperty({ description: 'Inclusive lower bound of created_at (ISO-8601).' })
  @IsISO8601({ strict: true })
  from: string;

  @ApiProperty({ description: 'Exclusive upper bound of created_at (ISO-8601), not in the future.' })
  @IsISO8601({ strict: true })
  to: string;
}
