import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_BUS, type EventBus, describeError } from '@pgw/messaging';
import { BILLING_OPTIONS, type ResolvedBillingOptions } from '../billing-server.options';
import { BillingMetrics } from '../metrics/billing-metrics';
import { OutboxRepository, type OutboxMessage } from './outbox.repository';

const RELAY_BATCH = 500;

/**
 * Moves committed outbox rows to the bus. Nudged right after each commit that wrote some; a timer polls
 * as a fallback (after a crash, a broker outage, or a commit by another replica).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BillingOutbox');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly outbox: OutboxRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BILLING_OPTIONS) private readonly options: ResolvedBillingOptions,
    private readonly metrics: BillingMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.nudge(), this.options.outboxPollIntervalMs);
    this.timer.unref();
    this.nudge();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Relays soon; coalesces nudges that arrive while a relay runs. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.nudge();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.outbox.relay(RELAY_BATCH, (messages) => this.send(messages))) > 0) {
        // keep going while there is a backlog
      }
    } catch (error) {
      this.metrics.relayFailures.inc();
      this.logger.warn(`outbox relay failed, will retry: ${describeError(error)}`);
    }
  }

  /** Publishes in id order, one call per run of consecutive messages to the same topic. */
  private async send(messages: OutboxMessage[]): Promise<void> {
    let start = 0;
    while (start < messages.length) {
      let end = start;
      while (end < messages.length && messages[end].topic === messages[start].topic) end++;
      const run = messages.slice(start, end);
      await this.bus.publishAndWait(
        run[0].topic,
        run.map((message) => ({ key: message.key, value: message.value })),
      );
      // Every outbox record is a quota-state record (budget state for the gateway's quota enforcement).
      this.metrics.quotaStatePublished.inc([], run.length);
      start = end;
    }
  }
}
