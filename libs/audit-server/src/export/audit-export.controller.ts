import { Controller, Get, Query, StreamableFile, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { AuditAccessGuard } from '../access/audit-access.guard';
import { Principal, type AuditPrincipal } from '../access/audit-principal';
import { AuditExportService } from './audit-export.service';
import { ExportDecisionsRequestDto } from './dto/export-decisions.request.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('admin/v1/audit/export')
@UseGuards(AuditAccessGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class AuditExportController {
  constructor(private readonly exports: AuditExportService) {}

  @Get()
  @ApiOperation({
    summary: 'Streams decision records (oldest first) as JSONL or CSV; enterprise projects only.',
  })
  @ApiProduces('application/x-ndjson', 'text/csv')
  export(@Principal() principal: AuditPrincipal, @Query() query: ExportDecisionsRequestDto): StreamableFile {
    const { stream, contentType, filename } = this.exports.open(principal, query);
    return new StreamableFile(stream, {
      type: contentType,
      disposition: `attachment; filename="${filename}"`,
    });
  }
}
