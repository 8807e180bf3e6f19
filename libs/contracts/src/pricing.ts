/**
 * Money is integer micro-dollars. The default price is $5 per 1M total tokens = 5 micro-dollars per
 * token. Prices are expressed per million tokens so that fractional per-token prices stay exact; the cost
 * of a request rounds half up to the micro-dollar.
 */
export const DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS = 5_000_000;

export function costMicros(totalTokens: number, priceMicrosPerMillion: number): number {
  const product = BigInt(totalTokens) * BigInt(priceMicrosPerMillion);
  return Number((product + 500_000n) / 1_000_000n);
}
