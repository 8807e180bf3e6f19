import { ApiProperty } from '@nestjs/swagger';

export class BudgetAlertDto {
  @ApiProperty({ enum: ['soft', 'exhausted'] }) kind: 'soft' | 'exhausted';
  @ApiProperty() created_at: string;
}

export class BudgetResponseDto {
  @ApiProperty() project_id: string;
  @ApiProperty({ example: '2026-01' }) period: string;
  @ApiProperty() spent_micros: number;
  @ApiProperty() spent_usd: string;
  @ApiProperty({ nullable: true, type: Number }) limit_micros: number | null;
  @ApiProperty({ nullable: true, type: String }) limit_usd: string | null;
  @ApiProperty({ nullable: true, type: Number }) soft_limit_micros: number | null;
  @ApiProperty() soft_limit_reached: boolean;
  @ApiProperty() exhausted: boolean;
  @ApiProperty({ type: [BudgetAlertDto] }) alerts: BudgetAlertDto[];
  @ApiProperty() as_of: string;
}
