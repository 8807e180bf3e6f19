/** Money arrives as integer micro-dollars; it is shown in dollars without going through floats. */
export function usd(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return '—';
  const negative = micros < 0;
  const digits = String(Math.abs(Math.trunc(micros))).padStart(7, '0');
  const text = `${digits.slice(0, -6)}.${digits.slice(-6)}`.replace(/(\.\d{2}\d*?)0+$/, '$1');
  return `${negative ? '-' : ''}$${text}`;
}

/** Parses "12.5" (dollars) into micro-dollars, or null when it is not a non-negative amount. */
export function dollarsToMicros(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:\.(\d{0,6}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}
