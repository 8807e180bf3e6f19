import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { describeError, EVENT_BUS, type EventBus } from '@pgw/messaging';
import { TransactionalOutbox } from '@pgw/persistence';
import { BILLING_CONNECTION, BILLING_OPTIONS, type ResolvedBillingOptions } from '../billing-server.options';
import { BillingMetrics } from '../metrics/billing-metrics';

/** Arbitrary constant: one relay at a time per database keeps each key's records in commit order. */
const RELAY_LOCK_ID = 0x6269_6c6c; // "bill"
const RELAY_BATCH = 500;

/**
 * Billing's quota-state outbox (`billing.outbox`) on the shared transactional-outbox relay. Every record in
 * it is a quota-state record (budget state for the gateway's quota enforcement).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('BillingOutbox');
  private readonly outbox: TransactionalOutbox;

  constructor(
    @InjectDataSource(BILLING_CONNECTION) dataSource: DataSource,
    @Inject(EVENT_BUS) bus: EventBus,
    @Inject(BILLING_OPTIONS) options: ResolvedBillingOptions,
    metrics: BillingMetrics,
  ) {
    this.outbox = new TransactionalOutbox(dataSource, {
      table: 'billing.outbox',
      relayLockId: RELAY_LOCK_ID,
      publish: async (run) => {
        await bus.publishAndWait(run.topic, run.messages);
        metrics.quotaStatePublished.inc([], run.messages.length);
      },
      pollIntervalMs: options.outboxPollIntervalMs,
      batchSize: RELAY_BATCH,
      onFailure: (error) => {
        metrics.relayFailures.inc();
        this.logger.warn(`outbox relay failed, will retry: ${describeError(error)}`);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.outbox.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.outbox.stop();
  }

  /** Written in the same transaction as the state it describes. */
  enqueue(manager: EntityManager, topic: string, key: string, value: string | null): Promise<void> {
    return this.outbox.enqueue(manager, [{ topic, key, value }]);
  }

  /** Relays soon; coalesces nudges that arrive while a relay runs. */
  nudge(): void {
    this.outbox.nudge();
  }
}
