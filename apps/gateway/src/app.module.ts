import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { GatewayServerModule, type GatewayServerOptions } from '@pgw/gateway-server';
import { EVENT_BUS, EventBusModule, type EventBus } from '@pgw/messaging';

/** Flushes and closes the bus last, after the gateway stopped taking requests. */
@Injectable()
class EventBusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Module({})
export class GatewayAppModule {
  static forRoot(options: GatewayServerOptions, bus: EventBus): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [EventBusModule.forRoot(bus), GatewayServerModule.forRoot(options)],
      providers: [EventBusLifecycle],
    };
  }
}
