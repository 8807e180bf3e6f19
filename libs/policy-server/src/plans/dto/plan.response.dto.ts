import { ApiProperty } from '@nestjs/swagger';
import { PLAN_IDS, type PlanDefinition, type PlanId } from '@pgw/contracts';

export class PlanResponseDto implements PlanDefinition {
  @ApiProperty({ enum: PLAN_IDS }) id: PlanId;
  @ApiProperty({ description: 'Default (and maximum) project requests per minute.' })
  requests_per_minute: number;
  @ApiProperty({ description: 'Default (and maximum) project tokens per minute.' }) tokens_per_minute: number;
  @ApiProperty() max_audit_retention_days: number;
  @ApiProperty() exports_allowed: boolean;
  @ApiProperty() attestations_allowed: boolean;
  @ApiProperty({ description: 'Higher is shed later when the gateway is saturated.' }) priority_class: number;
}

export class PlanListResponseDto {
  @ApiProperty({ type: [PlanResponseDto] }) data: PlanResponseDto[];
}
