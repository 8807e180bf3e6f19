import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_BUS, EventBusModule, type EventBus } from '@pgw/messaging';
import { PolicyServerModule, type PolicyServerOptions } from '@pgw/policy-server';
import { HealthController } from './health/health.controller';

/** Closes the bus after the relay stopped (the relay stops in beforeApplicationShutdown). */
@Injectable()
class EventBusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Module({})
export class PolicyAppModule {
  static forRoot(options: PolicyServerOptions, bus: EventBus): DynamicModule {
    return {
      module: PolicyAppModule,
      imports: [EventBusModule.forRoot(bus), PolicyServerModule.forRoot(options)],
      controllers: [HealthController],
      providers: [EventBusLifecycle],
    };
  }
}
