import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AuditMetrics } from '@pgw/audit-server';
import { BillingMetrics } from '@pgw/billing-server';
import { PROMETHEUS_CONTENT_TYPE } from '@pgw/server-kit';

/**
 * In embedded mode the gateway owns /metrics; the audit and billing registries (/metrics in their own
 * processes) are served next to it, one scrape target path each.
 */
@ApiExcludeController()
@Controller('metrics')
export class EmbeddedMetricsController {
  constructor(
    private readonly audit: AuditMetrics,
    private readonly billing: BillingMetrics,
  ) {}

  @Get('audit')
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  auditMetrics(): string {
    return this.audit.render();
  }

  @Get('billing')
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  billingMetrics(): string {
    return this.billing.render();
  }
}
