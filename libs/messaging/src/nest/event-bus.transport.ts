import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { storedTopic } from '@pgw/contracts';
import type { EventBus, IncomingMessage, Subscription } from '../event-bus.port';

/**
 * A Nest microservice transport over the event-bus port: `@EventPattern(topic)` handlers receive a batch
 * of raw messages (`IncomingMessage[]`) from one consumer group per (service, topic). The same handlers run
 * on Kafka in the distributed deployment and on the in-process bus in embedded mode.
 * A handler that throws is retried by the bus until it succeeds (offsets stay put), so handlers must
 * dead-letter poison messages themselves instead of throwing on them.
 */
export class EventBusTransport extends Server implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly serviceName: string,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.getHandlers()) {
        const subscription = await this.bus.consume({
          // Nest patterns are plain names; each @EventPattern handler decodes with its topic's codec.
          topic: storedTopic(pattern),
          groupId: `${this.serviceName}.${pattern}`,
          handler: async (batch: IncomingMessage[]) => {
            await lastValueFrom(this.transformToObservable(await handler(batch)), {
              defaultValue: undefined,
            });
          },
        });
        this.subscriptions.push(subscription);
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) await subscription.close();
  }

  on(): void {
    // The bus reports its own status through health(); there are no transport events to subscribe to.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }
}
