/**
 * Budget periods are calendar months in UTC ('YYYY-MM'), as billing counts them (libs/billing-server
 * shared/periods.ts): the gateway and billing must name the same period for the same instant.
 */
export function budgetPeriodOf(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 7);
}

/** The instant the period holding `atMs` ends (the first millisecond of the next UTC month). */
export function budgetPeriodEndMs(atMs: number): number {
  const at = new Date(atMs);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
}
