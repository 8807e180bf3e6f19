import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const USAGE_GROUPINGS = ['model', 'day'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

export class UsageReportQueryDto {
  @ApiPropertyOptional({
    description: 'Inclusive start (ISO-8601); rounded down to the hour. Default: start of this month (UTC).',
  })
  @IsOptional()
  @IsStorableTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive end (ISO-8601); rounded up to the hour. Default: now.' })
  @IsOptional()
  @IsStorableTimestamp()
  to?: string;

  @ApiPropertyOptional({ enum: USAGE_GROUPINGS, default: 'model' })
  @IsOptional()
  @IsIn(USAGE_GROUPINGS)
  group_by: UsageGrouping = 'model';
}
