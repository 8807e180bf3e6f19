import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class UsageTotalsDto {
  @ApiProperty() requests: number;
  @ApiProperty() input_tokens: number;
  @ApiProperty() output_tokens: number;
  @ApiProperty() total_tokens: number;
  @ApiProperty() cost_micros: number;
  @ApiProperty({ example: '0.012345' }) cost_usd: string;
}

export class UsageBreakdownRowDto extends UsageTotalsDto {
  @ApiPropertyOptional() model?: string;
  @ApiPropertyOptional({ example: '2026-01-31' }) day?: string;
}

export class UsageReportResponseDto {
  @ApiProperty() project_id: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ enum: ['model', 'day'] }) group_by: 'model' | 'day';
  @ApiProperty() totals: UsageTotalsDto;
  @ApiProperty({ type: [UsageBreakdownRowDto] }) breakdown: UsageBreakdownRowDto[];
}
