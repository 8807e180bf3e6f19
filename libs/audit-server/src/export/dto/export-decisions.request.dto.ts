import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { EXPORT_FORMATS, type ExportFormat } from '../export-format';

/** `GET /admin/v1/audit/export?format=jsonl|csv&from&to[&project_id]` */
export class ExportDecisionsRequestDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'jsonl' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format: ExportFormat = 'jsonl';

  @ApiProperty({ description: 'Inclusive lower bound of created_at (ISO-8601).' })
  @IsStorableTimestamp()
  from: string;

  @ApiProperty({ description: 'Exclusive upper bound of created_at (ISO-8601).' })
  @IsStorableTimestamp()
  to: string;

  @ApiPropertyOptional({ description: 'Admin token only; a project key always exports its own project.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  project_id?: string;
}
