import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '../event-bus.port';

/** Flushes and closes the bus on shutdown, after the app's consumers and HTTP listener have stopped. */
@Injectable()
class EventBusCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/** The composition root picks the adapter (Kafka or in-process); feature modules inject EVENT_BUS. */
@Global()
@Module({})
export class EventBusModule {
  static forRoot(bus: EventBus): DynamicModule {
    return {
      module: EventBusModule,
      providers: [{ provide: EVENT_BUS, useValue: bus }, EventBusCloser],
      exports: [EVENT_BUS],
    };
  }
}
