import {
  Controller,
  Get,
  Header,
  Param,
  Query,
  StreamableFile,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { ProjectParamsDto } from '../shared/project-params.dto';
import { UsageReportQueryDto } from './dto/usage-report.query.dto';
import { UsageReportResponseDto } from './dto/usage-report.response.dto';
import { UsageRequestsQueryDto } from './dto/usage-requests.query.dto';
import { UsageReportsService } from './usage-reports.service';
import { UsageRequestsService } from './usage-requests.service';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('admin/v1/billing/projects/:projectId')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class UsageReportsController {
  constructor(
    private readonly reports: UsageReportsService,
    private readonly requests: UsageRequestsService,
  ) {}

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

  @Get('requests.csv')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary:
      'One CSV line per billed request (request_id, tokens, price, cost), oldest first, streamed; as far back as raw usage rows are kept',
  })
  requestsCsv(@Param() params: ProjectParamsDto, @Query() query: UsageRequestsQueryDto): StreamableFile {
    return new StreamableFile(this.requests.csv(params.projectId, query), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="usage-requests.csv"',
    });
  }
}
