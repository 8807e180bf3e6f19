import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

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
  @IsStorableTimestamp()
  from: string;

  @ApiProperty({ description: 'Exclusive upper bound of created_at (ISO-8601), not in the future.' })
  @IsStorableTimestamp()
  to: string;
}
