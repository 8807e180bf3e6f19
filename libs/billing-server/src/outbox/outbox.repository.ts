import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';

export interface OutboxMessage {
  id: string;
  topic: string;
  key: string;
  value: string | null;
}

/** Arbitrary constant: one relay at a time per database keeps each key's records in commit order. */
const RELAY_LOCK_KEY = 0x6269_6c6c; // "bill"

@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  /** Written in the same transaction as the state it describes. */
  async enqueue(manager: EntityManager, topic: string, key: string, value: string | null): Promise<void> {
    await manager.query(
      `INSERT INTO billing.outbox (topic, message_key, message_value) VALUES ($1, $2, $3)`,
      [topic, key, value],
    );
  }

  /**
   * Claims the oldest messages (FOR UPDATE SKIP LOCKED), hands them to `send`, and deletes them only once
   * `send` resolved, all in one transaction: a crash in between republishes them (consumers of a compacted
   * state topic just see the same state twice). Returns how many were relayed.
   */
  async relay(limit: number, send: (messages: OutboxMessage[]) => Promise<void>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }]: { locked: boolean }[] = await manager.query(
        `SELECT pg_try_advisory_xact_lock($1) AS locked`,
        [RELAY_LOCK_KEY],
      );
      if (!locked) return 0;
      const rows: { id: string; topic: string; message_key: string; message_value: string | null }[] =
        await manager.query(
          `SELECT id, topic, message_key, message_value FROM billing.outbox
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [limit],
        );
      if (rows.length === 0) return 0;
      await send(
        rows.map((row) => ({
          id: String(row.id),
          topic: row.topic,
          key: row.message_key,
          value: row.message_value,
        })),
      );
      const placeholders = rows.map((_, index) => `$${index + 1}`).join(', ');
      await manager.query(
        `WITH sent AS (DELETE FROM billing.outbox WHERE id IN (${placeholders}) RETURNING 1) SELECT count(*) AS n FROM sent`,
        rows.map((row) => String(row.id)),
      );
      return rows.length;
    });
  }

  async pending(): Promise<number> {
    const [{ n }]: { n: string }[] = await this.dataSource.query(`SELECT count(*) AS n FROM billing.outbox`);
    return Number(n);
  }
}
