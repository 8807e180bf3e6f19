import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BillingMetrics } from '@pgw/billing-server';
import { PROMETHEUS_CONTENT_TYPE } from '@pgw/server-kit';

/**
 * Prometheus scrape endpoint of the billing process. App-level like /healthz: in embedded mode the gateway
 * owns /metrics and the billing registry is served at /metrics/billing instead.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: BillingMetrics) {}

  @Get('metrics')
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  metricsText(): string {
    return this.metrics.render();
  }
}
