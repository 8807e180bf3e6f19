import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { BILLING_CONNECTION } from '../billing-server.options';
import { toSafeNumber } from '../shared/money';
import type { PriceRule } from './price-book';

interface PriceRow {
  model: string;
  price_micros_per_million: string;
  effective_from: Date;
  created_at: Date;
}

export interface StoredPrice extends PriceRule {
  createdAt: Date;
}

const toPrice = (row: PriceRow): StoredPrice => ({
  model: row.model,
  priceMicrosPerMillion: toSafeNumber(row.price_micros_per_million),
  effectiveFrom: new Date(row.effective_from),
  createdAt: new Date(row.created_at),
});

@Injectable()
export class PriceRepository {
  constructor(@InjectDataSource(BILLING_CONNECTION) private readonly dataSource: DataSource) {}

  /** Inserts a rule; false when one already exists for that model and instant. */
  async insert(rule: PriceRule): Promise<StoredPrice | null> {
    const rows: PriceRow[] = await this.dataSource.query(
      `INSERT INTO billing.prices (model, effective_from, price_micros_per_million)
       VALUES ($1, $2, $3)
       ON CONFLICT (model, effective_from) DO NOTHING
       RETURNING model, price_micros_per_million, effective_from, created_at`,
      [rule.model, rule.effectiveFrom.toISOString(), rule.priceMicrosPerMillion],
    );
    return rows.length ? toPrice(rows[0]) : null;
  }

  async list(model?: string): Promise<StoredPrice[]> {
    const rows: PriceRow[] = await this.dataSource.query(
      `SELECT model, price_micros_per_million, effective_from, created_at FROM billing.prices
       WHERE $1::text IS NULL OR model = $1
       ORDER BY model, effective_from`,
      [model ?? null],
    );
    return rows.map(toPrice);
  }

  /** Every rule (a small table: a few per model), read inside a batch's transaction. */
  async allRules(manager: EntityManager): Promise<PriceRule[]> {
    const rows: PriceRow[] = await manager.query(
      `SELECT model, price_micros_per_million, effective_from, created_at FROM billing.prices`,
    );
    return rows.map(toPrice);
  }
}
