import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class UsageRequestsQueryDto {
  @ApiPropertyOptional({ description: 'Inclusive start (ISO-8601). Default: start of this month (UTC).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Exclusive end (ISO-8601). Default: now.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
