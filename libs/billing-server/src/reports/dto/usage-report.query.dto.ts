import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export const USAGE_GROUPINGS = ['model', 'day'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

export class UsageReportQueryDto {
  @ApiPropertyOptional({
    description: 'Inclusive start (ISO-8601); rounded down to the hour. Default: start of this month (UTC).',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive end (ISO-8601); rounded up to the hour. Default: now.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: USAGE_GROUPINGS, default: 'model' })
  @IsOptional()
  @IsIn(USAGE_GROUPINGS)
  group_by: UsageGrouping = 'model';
}
