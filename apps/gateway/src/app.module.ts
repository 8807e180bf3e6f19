import { Module, type DynamicModule } from '@nestjs/common';
import { GatewayServerModule, type GatewayServerOptions } from '@pgw/gateway-server';
import { EventBusModule, type EventBus } from '@pgw/messaging';

@Module({})
export class GatewayAppModule {
  static forRoot(options: GatewayServerOptions, bus: EventBus): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [EventBusModule.forRoot(bus), GatewayServerModule.forRoot(options)],
    };
  }
}
