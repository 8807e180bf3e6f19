/** Retries a transient failure (database down, broker away) with capped exponential backoff until stopped. */
export async function retryUntilSuccess<T>(
  action: () => Promise<T>,
  isStopped: () => boolean,
  onError: (error: unknown, attempt: number) => void,
  maxDelayMs = 5_000,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (isStopped()) return undefined;
      onError(error, attempt);
      const delay = Math.min(maxDelayMs, 50 * 2 ** Math.min(attempt, 10));
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (isStopped()) return undefined;
    }
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * An error for a log line: its name, message and code, never `[object Object]`. A database error
 * (SQLSTATE code) is named by its code only: its message can quote a value the query carried, and its
 * own properties (TypeORM's `query`, `parameters`) must never be printed.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return `${error.name}: ${error.errors.map(describeError).join('; ')}`;
  }
  if (typeof error === 'object' && error !== null) {
    const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
    const label = typeof name === 'string' && name !== '' ? name : 'Error';
    if (typeof code === 'string' && SQLSTATE.test(code)) return `${label} (SQLSTATE ${code})`;
    const text = typeof message === 'string' ? message : '(no message)';
    return `${label}: ${text}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}`;
  }
  return String(error);
}
