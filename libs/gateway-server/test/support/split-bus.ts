import type { Topic } from '@pgw/contracts';
import type { ConsumeOptions, EventBus, FollowOptions, OutgoingMessage } from '@pgw/messaging';

/**
 * Two real buses behind one port: state is followed from `state`, events go to `events`. Lets a test
 * point the gateway's event publishing at an unreachable broker while its state still comes from Kafka.
 */
export class SplitBus implements EventBus {
  constructor(
    private readonly state: EventBus,
    private readonly events: EventBus,
  ) {}

  publish<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): void {
    this.events.publish(topic, messages);
  }
  publishAndWait<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): Promise<void> {
    return this.events.publishAndWait(topic, messages);
  }
  consume<T>(options: ConsumeOptions<T>) {
    return this.state.consume(options);
  }
  follow<const TTopics extends Topic<unknown>[]>(options: FollowOptions<TTopics>) {
    return this.state.follow(options);
  }
  flush(): Promise<void> {
    return this.events.flush();
  }
  health() {
    return this.events.health();
  }
  async close(): Promise<void> {
    await this.events.close();
    await this.state.close();
  }
}
