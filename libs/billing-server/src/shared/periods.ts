/** Budget periods are calendar months in UTC: 'YYYY-MM'. */
export function periodOf(at: Date | string): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** The start of the UTC hour holding `at`, as an ISO string (the rollup bucket). */
export function hourOf(at: Date | string): string {
  const date = new Date(at);
  date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

export const DAY_MS = 24 * 60 * 60 * 1000;
