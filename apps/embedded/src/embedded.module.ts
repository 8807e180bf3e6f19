import { Module, type DynamicModule } from '@nestjs/common';
import { AuditServerModule, type AuditServerOptions } from '@pgw/audit-server';
import { BillingServerModule, type BillingServerOptions } from '@pgw/billing-server';
import { GatewayServerModule, type GatewayServerOptions } from '@pgw/gateway-server';
import { EventBusModule, type EventBus } from '@pgw/messaging';
import { PolicyServerModule, type PolicyServerOptions } from '@pgw/policy-server';
import { ConsoleModule } from '@pgw/server-kit';
import { EmbeddedMetricsController } from './embedded-metrics.controller';

export interface EmbeddedOptions {
  bus: EventBus;
  policy: PolicyServerOptions;
  audit: AuditServerOptions;
  billing: BillingServerOptions;
  gateway: GatewayServerOptions;
  /** The built admin console (dist/apps/console), served at /console. */
  consoleDirectory: string;
}

/**
 * The embedded composition root: the four services' feature modules in one Nest application, wired to
 * the in-process bus. No app imports another; each service lib is composed here as it is in its own app.
 */
@Module({})
export class EmbeddedModule {
  static forRoot(options: EmbeddedOptions): DynamicModule {
    return {
      module: EmbeddedModule,
      imports: [
        EventBusModule.forRoot(options.bus),
        PolicyServerModule.forRoot(options.policy),
        AuditServerModule.forRoot(options.audit),
        BillingServerModule.forRoot(options.billing),
        GatewayServerModule.forRoot(options.gateway),
        ConsoleModule.forRoot({ directory: options.consoleDirectory }),
      ],
      controllers: [EmbeddedMetricsController],
    };
  }
}
