import { Module, type DynamicModule } from '@nestjs/common';
import { EventBusModule, type EventBus } from '@pgw/messaging';
import { PolicyServerModule, type PolicyServerOptions } from '@pgw/policy-server';
import { ConsoleModule } from '@pgw/server-kit';
import { HealthController } from './health/health.controller';

@Module({})
export class PolicyAppModule {
  /** consoleDirectory: the built admin console (dist/apps/console), served at /console when given. */
  static forRoot(options: PolicyServerOptions, bus: EventBus, consoleDirectory?: string): DynamicModule {
    return {
      module: PolicyAppModule,
      imports: [
        EventBusModule.forRoot(bus),
        PolicyServerModule.forRoot(options),
        // The admin origin routes everything but audit and billing here, /console included.
        ...(consoleDirectory ? [ConsoleModule.forRoot({ directory: consoleDirectory })] : []),
      ],
      controllers: [HealthController],
    };
  }
}
