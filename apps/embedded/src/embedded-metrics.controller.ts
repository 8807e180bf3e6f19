import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AuditMetrics } from '@pgw/audit-server';
import { BillingMetrics } from '@pgw/billing-server';
import { GatewayMetrics } from '@pgw/gateway-server';
import { PROMETHEUS_CONTENT_TYPE } from '@pgw/server-kit';

/**
 * Embedded mode (one process, bound to 127.0.0.1 by default) serves the three registries on its own port:
 * the gateway's at /metrics, audit's and billing's next to it. The distributed services serve theirs on a
 * separate internal port (METRICS_PORT) instead, never on the public or admin port.
 */
@ApiExcludeController()
@Controller('metrics')
export class EmbeddedMetricsController {
  constructor(
    private readonly gateway: GatewayMetrics,
    private readonly audit: AuditMetrics,
    private readonly billing: BillingMetrics,
  ) {}

  @Get()
  @Header('content-type', PROMETHEUS_CONTENT_TYPE)
  gatewayMetrics(): string {
    return this.gateway.registry.render();
  }

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
