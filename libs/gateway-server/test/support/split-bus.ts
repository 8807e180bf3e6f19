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

  publish(topic: string, messages: OutgoingMessage[]): void {
    this.events.publish(topic, messages);
  }
  publishAndWait(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return this.events.publishAndWait(topic, messages);
  }
  consume(options: ConsumeOptions) {
    return this.state.consume(options);
  }
  follow(options: FollowOptions) {
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
