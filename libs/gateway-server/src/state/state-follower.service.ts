import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_BUS, type EventBus, type FollowSubscription } from '@pgw/messaging';
import { GatewayStateStore, STATE_TOPICS } from './gateway-state.store';

/**
 * One follower per gateway instance reads the four state topics from the beginning and keeps following
 * them. If Kafka is unreachable at start it keeps retrying in the background (the HTTP server is up,
 * /readyz says not ready); once caught up, the gateway serves from its last-known state even if Kafka or
 * the policy service goes away.
 */
@Injectable()
export class StateFollower implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StateFollower');
  private subscription: FollowSubscription | null = null;
  private caughtUp = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly store: GatewayStateStore,
  ) {}

  onApplicationBootstrap(): void {
    void this.start(0);
  }

  isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Resolves once the initial state is loaded (for tests and for callers that want to wait). */
  async waitUntilCaughtUp(): Promise<void> {
    while (!this.caughtUp) {
      if (this.stopped) throw new Error('state follower stopped');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.subscription?.close();
  }

  private async start(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      const subscription = await this.bus.follow({
        topics: STATE_TOPICS,
        onMessage: (m) => this.store.apply(m),
      });
      if (this.stopped) {
        await subscription.close();
        return;
      }
      this.subscription = subscription;
      await subscription.caughtUp;
      this.store.compilePending();
      this.caughtUp = true;
      this.store.loaded = true;
      this.logger.log('state topics caught up');
    } catch (error) {
      const delay = Math.min(5_000, 250 * 2 ** attempt);
      this.logger.warn(
        `following state topics failed (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
      );
      this.retryTimer = setTimeout(() => void this.start(attempt + 1), delay);
      this.retryTimer.unref();
    }
  }
}
