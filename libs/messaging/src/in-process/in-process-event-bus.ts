import { AsyncLocalStorage } from 'node:async_hooks';
import type { Topic } from '@pgw/contracts';
import type {
  BusHealth,
  ConsumeOptions,
  RawConsumeOptions,
  EventBus,
  FollowOptions,
  RawFollowOptions,
  FollowSubscription,
  RawIncomingMessage,
  OutgoingMessage,
  Subscription,
} from '../event-bus.port';
import { retryUntilSuccess } from '../retry';

interface GroupState {
  options: RawConsumeOptions;
  queue: RawIncomingMessage[];
  draining: boolean;
  closed: boolean;
}

interface TopicState {
  nextOffset: number;
  /** Latest message per key, in the order it was written: what a compacted topic converges to. */
  latestByKey: Map<string, RawIncomingMessage>;
  groups: Map<string, GroupState>;
  followers: Set<RawFollowOptions>;
}

/**
 * The bus for the one-process embedded mode: same semantics as the Kafka adapter where it matters
 * (one delivery per group, batches, retry until the handler succeeds, followers see the latest state
 * first), no broker. Nothing survives a restart; embedded mode republishes state at start.
 */
export class InProcessEventBus implements EventBus {
  private readonly topics = new Map<string, TopicState>();
  private pending = new Set<Promise<void>>();
  /** The delivery loop a handler runs in, so a flush() from inside a handler does not wait for itself. */
  private readonly deliveryContext = new AsyncLocalStorage<{ run?: Promise<void> }>();
  private closed = false;

  constructor(private readonly onHandlerError: (error: unknown) => void = () => undefined) {}

  publish<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): void {
    const state = this.topic(topic);
    for (const message of messages) {
      const incoming: RawIncomingMessage = {
        topic,
        partition: 0,
        offset: String(state.nextOffset++),
        key: message.key,
        value: message.value === null ? null : Buffer.from(message.value),
      };
      if (message.key !== null) {
        state.latestByKey.delete(message.key);
        if (message.value !== null) state.latestByKey.set(message.key, incoming);
      }
      for (const follower of state.followers) follower.onMessage(incoming);
      for (const group of state.groups.values()) {
        group.queue.push(incoming);
        this.drain(group);
      }
    }
  }

  async publishAndWait<T>(topic: Topic<T>, messages: OutgoingMessage<NoInfer<T>>[]): Promise<void> {
    this.publish(topic, messages);
  }

  async consume<T>(options: ConsumeOptions<T>): Promise<Subscription> {
    const state = this.topic(options.topic);
    const group: GroupState = { options, queue: [], draining: false, closed: false };
    state.groups.set(options.groupId, group);
    return {
      close: async () => {
        group.closed = true;
        state.groups.delete(options.groupId);
      },
    };
  }

  async follow<const TTopics extends Topic<unknown>[]>(
    typed: FollowOptions<TTopics>,
  ): Promise<FollowSubscription> {
    // Delivered messages carry the subscribed topic's name, so the typed options are read as raw ones here.
    const options: RawFollowOptions = typed;
    for (const topic of options.topics) {
      const state = this.topic(topic);
      for (const message of state.latestByKey.values()) options.onMessage(message);
      state.followers.add(options);
    }
    return {
      caughtUp: Promise.resolve(),
      isCaughtUp: () => true,
      close: async () => {
        for (const topic of options.topics) this.topic(topic).followers.delete(options);
      },
    };
  }

  async flush(): Promise<void> {
    const own = this.deliveryContext.getStore()?.run;
    for (;;) {
      const others = [...this.pending].filter((run) => run !== own);
      if (others.length === 0) return;
      await Promise.all(others);
    }
  }

  health(): BusHealth {
    return { connected: !this.closed, buffered: 0, spilled: 0 };
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private topic(name: string): TopicState {
    let state = this.topics.get(name);
    if (!state) {
      state = { nextOffset: 0, latestByKey: new Map(), groups: new Map(), followers: new Set() };
      this.topics.set(name, state);
    }
    return state;
  }

  private drain(group: GroupState): void {
    if (group.draining) return;
    group.draining = true;
    const context: { run?: Promise<void> } = {};
    const run = this.deliveryContext.run(context, async () => {
      // Let the publisher finish its synchronous burst so the handler gets a real batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (group.queue.length > 0 && !group.closed) {
        const batch = group.queue.splice(0, group.options.maxBatchSize ?? 500);
        await retryUntilSuccess(
          () => group.options.handler(batch),
          () => group.closed || this.closed,
          this.onHandlerError,
        );
      }
      group.draining = false;
    });
    context.run = run;
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }
}
