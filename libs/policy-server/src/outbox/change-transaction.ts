import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { POLICY_CONNECTION } from '../database/policy-migrations';
import { OutboxRelay } from './outbox.relay';

/**
 * One admin change = one transaction: the rows, the change-history entry and the outbox records commit
 * together; the relay is nudged right after the commit so the change reaches gateways in milliseconds.
 */
@Injectable()
export class ChangeTransaction {
  constructor(
    @InjectDataSource(POLICY_CONNECTION) private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  async run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(work);
    this.relay.nudge();
    return result;
  }

  /** Read-only work outside a change (no nudge). */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }
}
