import { ApiProperty } from '@nestjs/swagger';

export class PriceResponseDto {
  @ApiProperty() model: string;
  @ApiProperty() price_micros_per_million: number;
  @ApiProperty({ description: 'Dollars per 1M tokens, 6 decimals.' }) price_usd_per_million: string;
  @ApiProperty() effective_from: string;
  @ApiProperty() created_at: string;
}

export class PriceListResponseDto {
  @ApiProperty() default_price_micros_per_million: number;
  @ApiProperty({ type: [PriceResponseDto] }) data: PriceResponseDto[];
}
