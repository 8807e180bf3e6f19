/** Integer micro-dollars as a dollar string with exactly 6 decimals ("12.345678"), without floats. */
export function microsToUsd(micros: number | bigint): string {
  const value = BigInt(micros);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** bigint columns come back from pg as strings; micro-dollar sums stay far below 2^53. */
export function toSafeNumber(value: string | number | bigint | null): number {
  if (value === null) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`value ${String(value)} exceeds the safe integer range`);
  return n;
}

export function toNullableNumber(value: string | number | null): number | null {
  return value === null ? null : toSafeNumber(value);
}
