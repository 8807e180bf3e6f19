import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '@pgw/server-kit';
import { ENTITY_TYPES, type ChangeEntityType } from '../change-history.repository';

export class ListHistoryRequestDto extends PageQuery {
  @ApiPropertyOptional({ enum: ENTITY_TYPES })
  @IsOptional()
  @IsIn(ENTITY_TYPES)
  entity_type?: ChangeEntityType;
}
