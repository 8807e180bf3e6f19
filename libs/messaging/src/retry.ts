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
