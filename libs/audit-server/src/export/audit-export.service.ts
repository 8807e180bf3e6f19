import { Inject, Injectable, Logger } from '@nestjs/common';
import { AdminApiException } from '@pgw/server-kit';
import { Readable } from 'node:stream';
import { scopeProject, type AuditPrincipal } from '../access/audit-principal';
import { AUDIT_SERVER_OPTIONS, type AuditServerOptions } from '../audit-server.options';
import {
  DecisionQueryRepository,
  type DecisionFilter,
  type Keyset,
} from '../query/decision-query.repository';
import { ProjectStateStore } from '../state/project-state.store';
import type { ExportDecisionsRequestDto } from './dto/export-decisions.request.dto';
import { csvHeader, EXPORT_CONTENT_TYPES, formatPage, type ExportFormat } from './export-format';

export interface AuditExport {
  stream: Readable;
  contentType: string;
  filename: string;
}

/**
 * Streams an export in constant memory: keyset pages (oldest first) are read only when the reply's stream
 * asks for more, so a slow client slows the reads down instead of rows piling up in memory.
 */
@Injectable()
export class AuditExportService {
  private readonly logger = new Logger(AuditExportService.name);

  constructor(
    private readonly decisions: DecisionQueryRepository,
    private readonly projects: ProjectStateStore,
    @Inject(AUDIT_SERVER_OPTIONS) private readonly options: AuditServerOptions,
  ) {}

  open(principal: AuditPrincipal, query: ExportDecisionsRequestDto): AuditExport {
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (from.getTime() >= to.getTime())
      throw new AdminApiException('invalid_request', 'to must be later than from', 'to');
    const projectId = scopeProject(principal, query.project_id);
    if (projectId !== undefined && !this.projects.planOf(projectId)?.exports_allowed) {
      throw new AdminApiException(
        'plan_feature_unavailable',
        'Audit exports are available on the enterprise plan.',
        principal.kind === 'admin' ? 'project_id' : null,
      );
    }
    const filter: DecisionFilter = { projectId, from, to };
    const stream = Readable.from(this.pages(query.format, filter), {
      objectMode: false,
      highWaterMark: 1 << 20,
    });
    stream.on('error', (error) => this.logger.error(`export stream failed: ${error.message}`));
    const scope = projectId ?? 'all';
    return {
      stream,
      contentType: EXPORT_CONTENT_TYPES[query.format],
      filename: `audit-${scope}-${query.from.slice(0, 10)}-${query.to.slice(0, 10)}.${query.format}`.replace(
        /[^\w.-]/g,
        '_',
      ),
    };
  }

  private async *pages(format: ExportFormat, filter: DecisionFilter): AsyncGenerator<string> {
    if (format === 'csv') yield csvHeader();
    const pageSize = this.options.exportPageSize ?? 5_000;
    let after: Keyset | null = null;
    for (;;) {
      const rows = await this.decisions.page(filter, after, pageSize, 'asc');
      if (rows.length === 0) return;
      yield formatPage(format, rows);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = { createdAt: last.created_at, eventId: last.event_id };
    }
  }
}
