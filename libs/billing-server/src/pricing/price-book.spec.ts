import { DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS } from '@pgw/contracts';
import { priceAt, type PriceRule } from './price-book';

const at = (iso: string): Date => new Date(iso);
const rule = (model: string, price: number, from: string): PriceRule => ({
  model,
  priceMicrosPerMillion: price,
  effectiveFrom: at(from),
});

describe('priceAt', () => {
  const rules = [
    rule('gpt-a', 1_000_000, '2026-01-01T00:00:00Z'),
    rule('gpt-a', 2_000_000, '2026-02-01T00:00:00Z'),
    rule('*', 7_000_000, '2026-01-15T00:00:00Z'),
  ];

  it('is the default ($5 per 1M tokens) without any rule in force', () => {
    expect(priceAt([], 'gpt-a', at('2026-03-01T00:00:00Z'))).toBe(DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS);
    expect(priceAt(rules, 'gpt-z', at('2026-01-14T23:59:59.999Z'))).toBe(5_000_000);
  });

  it("applies the model's latest rule effective at the event's start, never a later one", () => {
    expect(priceAt(rules, 'gpt-a', at('2025-12-31T23:59:59.999Z'))).toBe(5_000_000);
    expect(priceAt(rules, 'gpt-a', at('2026-01-01T00:00:00Z'))).toBe(1_000_000);
    expect(priceAt(rules, 'gpt-a', at('2026-01-31T23:59:59.999Z'))).toBe(1_000_000);
    expect(priceAt(rules, 'gpt-a', at('2026-02-01T00:00:00Z'))).toBe(2_000_000);
  });

  it("uses the '*' rule for models without their own, and the model's own rule over '*'", () => {
    expect(priceAt(rules, 'gpt-z', at('2026-01-15T00:00:00Z'))).toBe(7_000_000);
    expect(priceAt(rules, 'gpt-a', at('2026-01-20T00:00:00Z'))).toBe(1_000_000);
  });
});
