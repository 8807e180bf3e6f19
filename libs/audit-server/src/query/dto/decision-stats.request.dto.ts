import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DecisionFilterRequestDto } from './decision-filter.request.dto';

export const STATS_BUCKETS = ['hour', 'day'] as const;
export type StatsBucket = (typeof STATS_BUCKETS)[number];

/** `GET /admin/v1/audit/decisions/stats`: counts per time bucket (default: the last 24 h by hour). */
export class DecisionStatsRequestDto extends DecisionFilterRequestDto {
  @ApiPropertyOptional({ enum: STATS_BUCKETS, default: 'hour' })
  @IsOptional()
  @IsIn(STATS_BUCKETS)
  bucket: StatsBucket = 'hour';
}
