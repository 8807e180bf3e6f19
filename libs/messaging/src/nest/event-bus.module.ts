import { Global, Module, type DynamicModule } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '../event-bus.port';

/** The composition root picks the adapter (Kafka or in-process); feature modules inject EVENT_BUS. */
@Global()
@Module({})
export class EventBusModule {
  static forRoot(bus: EventBus): DynamicModule {
    return {
      module: EventBusModule,
      providers: [{ provide: EVENT_BUS, useValue: bus }],
      exports: [EVENT_BUS],
    };
  }
}
