import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

export class UsageRequestsQueryDto {
  @ApiPropertyOptional({ description: 'Inclusive start (ISO-8601). Default: start of this month (UTC).' })
  @IsOptional()
  @IsStorableTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive end (ISO-8601). Default: now.' })
  @IsOptional()
  @IsStorableTimestamp()
  to?: string;
}
