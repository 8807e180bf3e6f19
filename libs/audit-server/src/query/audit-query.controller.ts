import { Controller, Get, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminExceptionFilter, adminValidationPipe, type Page } from '@pgw/server-kit';
import { AuditAccessGuard } from '../access/audit-access.guard';
import { Principal, type AuditPrincipal } from '../access/audit-principal';
import { AuditQueryService } from './audit-query.service';
import type { DecisionRecord } from './decision-query.repository';
import { DecisionStatsRequestDto } from './dto/decision-stats.request.dto';
import { DecisionPageResponseDto, DecisionStatsResponseDto } from './dto/decision.response.dto';
import { ListDecisionsRequestDto } from './dto/list-decisions.request.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('admin/v1/audit/decisions')
@UseGuards(AuditAccessGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class AuditQueryController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Decision records, newest first, filtered, with cursor pagination.' })
  @ApiOkResponse({ type: DecisionPageResponseDto })
  list(
    @Principal() principal: AuditPrincipal,
    @Query() query: ListDecisionsRequestDto,
  ): Promise<Page<DecisionRecord>> {
    return this.audit.list(principal, query);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Counts by decision and by triggered category per hour or day.' })
  @ApiOkResponse({ type: DecisionStatsResponseDto })
  stats(
    @Principal() principal: AuditPrincipal,
    @Query() query: DecisionStatsRequestDto,
  ): Promise<DecisionStatsResponseDto> {
    return this.audit.stats(principal, query);
  }
}
