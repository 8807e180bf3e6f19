import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT4_MAX } from '@pgw/server-kit';

/** A limit may be an integer or null ("no own limit here": the level above applies). */
export class RateLimitsDto {
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, example: 30 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  requests_per_minute?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, example: 50_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT4_MAX) // stored in a Postgres integer
  tokens_per_minute?: number | null;
}
