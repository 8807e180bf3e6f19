import { DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS } from '@pgw/contracts';

export const ANY_MODEL = '*';

export interface PriceRule {
  /** A model name, or '*' for every model without its own rule. */
  model: string;
  priceMicrosPerMillion: number;
  effectiveFrom: Date;
}

/**
 * The price in force for `model` at `at`: the model's own latest rule effective at or before `at`, else
 * the latest '*' rule effective then, else the product default ($5 per 1M tokens). Rules effective after
 * `at` never apply, so a price change is never retroactive.
 */
export function priceAt(rules: readonly PriceRule[], model: string, at: Date): number {
  const time = at.getTime();
  let own: PriceRule | null = null;
  let wildcard: PriceRule | null = null;
  for (const rule of rules) {
    const from = rule.effectiveFrom.getTime();
    if (from > time) continue;
    if (rule.model === model) {
      if (!own || from > own.effectiveFrom.getTime()) own = rule;
    } else if (rule.model === ANY_MODEL) {
      if (!wildcard || from > wildcard.effectiveFrom.getTime()) wildcard = rule;
    }
  }
  return (own ?? wildcard)?.priceMicrosPerMillion ?? DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS;
}
