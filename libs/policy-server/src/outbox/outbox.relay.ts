import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { describeError, EVENT_BUS, type EventBus } from '@pgw/messaging';
import { TransactionalOutbox } from '@pgw/persistence';
import { POLICY_CONNECTION } from '../database/policy-migrations';
import { POLICY_SERVER_OPTIONS, type PolicyServerOptions } from '../policy-server.options';

/** Arbitrary constant: one relay at a time drains the outbox, so per-key publish order is the commit order. */
const RELAY_LOCK_ID = 74_226_001;

/** The policy service's state outbox (`policy.outbox`) on the shared transactional-outbox relay. */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PolicyOutboxRelay');
  private readonly outbox: TransactionalOutbox;

  constructor(
    @InjectDataSource(POLICY_CONNECTION) dataSource: DataSource,
    @Inject(EVENT_BUS) bus: EventBus,
    @Inject(POLICY_SERVER_OPTIONS) options: PolicyServerOptions,
  ) {
    this.outbox = new TransactionalOutbox(dataSource, {
      table: 'policy.outbox',
      relayLockId: RELAY_LOCK_ID,
      publish: (run) => bus.publishAndWait(run.topic, run.messages),
      pollIntervalMs: options.outbox?.pollIntervalMs ?? 200,
      batchSize: options.outbox?.batchSize ?? 200,
      onFailure: (error, attempt) =>
        this.logger.warn(`outbox relay failed (attempt ${attempt}), will retry: ${describeError(error)}`),
    });
  }

  onApplicationBootstrap(): void {
    this.outbox.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.outbox.stop();
  }

  /** Writes state records in the caller's transaction: published if and only if it commits. */
  enqueue(
    tx: EntityManager,
    messages: { topic: string; key: string; value: string | null }[],
  ): Promise<void> {
    return this.outbox.enqueue(tx, messages);
  }

  /** Called after a change committed: drain now instead of at the next poll. */
  nudge(): void {
    this.outbox.nudge();
  }

  /** Publishes everything in the outbox now and resolves when it is empty (republishAll, tests). */
  drainNow(): Promise<void> {
    return this.outbox.drainNow();
  }
}
