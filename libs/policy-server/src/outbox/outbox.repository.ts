import type { EntityManager } from 'typeorm';

export interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  message_value: string | null;
}

/** Arbitrary constant: one relay at a time drains the outbox, so per-key publish order is the commit order. */
const RELAY_LOCK_ID = 74_226_001;

/** The only code touching `policy.outbox`. Every call takes the caller's transaction. */
export const outboxRepository = {
  async insert(
    tx: EntityManager,
    rows: { topic: string; key: string; value: string | null }[],
  ): Promise<void> {
    for (const row of rows) {
      await tx.query(`INSERT INTO policy.outbox (topic, message_key, message_value) VALUES ($1, $2, $3)`, [
        row.topic,
        row.key,
        row.value,
      ]);
    }
  },

  async tryRelayLock(tx: EntityManager): Promise<boolean> {
    const [row] = (await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [RELAY_LOCK_ID])) as {
      locked: boolean;
    }[];
    return row.locked;
  },

  async lockBatch(tx: EntityManager, limit: number): Promise<OutboxRow[]> {
    const rows = (await tx.query(
      `SELECT id::text AS id, topic, message_key, message_value FROM policy.outbox
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    )) as OutboxRow[];
    return rows;
  },

  async delete(tx: EntityManager, ids: string[]): Promise<void> {
    await tx.query(`DELETE FROM policy.outbox WHERE id = ANY($1::bigint[])`, [ids]);
  },

  async count(tx: EntityManager): Promise<number> {
    const [row] = (await tx.query(`SELECT count(*)::int AS n FROM policy.outbox`)) as { n: number }[];
    return row.n;
  },
};
