import { Module, type DynamicModule } from '@nestjs/common';
import { EventBusModule, type EventBus } from '@pgw/messaging';
import { PolicyServerModule, type PolicyServerOptions } from '@pgw/policy-server';
import { HealthController } from './health/health.controller';

@Module({})
export class PolicyAppModule {
  static forRoot(options: PolicyServerOptions, bus: EventBus): DynamicModule {
    return {
      module: PolicyAppModule,
      imports: [EventBusModule.forRoot(bus), PolicyServerModule.forRoot(options)],
      controllers: [HealthController],
    };
  }
}
