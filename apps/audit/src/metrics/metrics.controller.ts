import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AuditMetrics } from '@pgw/audit-server';
import { PROMETHEUS_CONTENT_TYPE } from '@pgw/server-kit';

/**
 * Prometheus scrape endpoint of the audit process. App-level like /healthz: in embedded mode the gateway
 * owns /metrics and the audit registry is served at /metrics/audit instead.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: AuditMetrics) {}

  @Get('metrics')
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  metricsText(): string {
    return this.metrics.render();
  }
}
