import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MODEL_ID_PATTERN } from '@pgw/contracts';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

/** A model id token (as billing's CHECK accepts), or `*`. */
const PRICED_MODEL = new RegExp(`^(?:\\*|${MODEL_ID_PATTERN.source.slice(1, -1)})$`);

export class CreatePriceRequestDto {
  @ApiProperty({
    description: "A model name, or '*' for every model without its own price.",
    example: 'gpt-4o-mini',
  })
  @IsString()
  @Length(1, 128)
  @Matches(PRICED_MODEL, { message: 'model must be a model id (letters, digits, ._:/@+-) or *' })
  model: string;

  @ApiProperty({
    description: 'Integer micro-dollars per 1M total tokens ($5 = 5000000).',
    example: 5_000_000,
  })
  @IsInt()
  @Min(0)
  @Max(1_000_000_000_000)
  price_micros_per_million: number;

  @ApiPropertyOptional({ description: 'When the price starts to apply (default: now). Never in the past.' })
  @IsOptional()
  @IsStorableTimestamp()
  effective_from?: string;
}

export class ListPricesQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  model?: string;
}
