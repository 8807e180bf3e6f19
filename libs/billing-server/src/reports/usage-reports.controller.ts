import { Controller, Get, Header, Param, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { ProjectParamsDto } from '../shared/project-params.dto';
import { UsageReportQueryDto } from './dto/usage-report.query.dto';
import { UsageReportResponseDto } from './dto/usage-report.response.dto';
import { UsageReportsService } from './usage-reports.service';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('admin/v1/billing/projects/:projectId')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class UsageReportsController {
  constructor(private readonly reports: UsageReportsService) {}

  @Get('usage')
  @ApiOperation({ summary: 'Usage and cost of a project over a time range, by model or by day' })
  usage(
    @Param() params: ProjectParamsDto,
    @Query() query: UsageReportQueryDto,
  ): Promise<UsageReportResponseDto> {
    return this.reports.report(params.projectId, query);
  }

  @Get('usage.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The same report as CSV' })
  usageCsv(@Param() params: ProjectParamsDto, @Query() query: UsageReportQueryDto): Promise<string> {
    return this.reports.csv(params.projectId, query);
  }
}
