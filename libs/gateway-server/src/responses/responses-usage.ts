import type { ProviderUsage } from '../settlement/request-record';

/**
 * A Response's usage (input_tokens, output_tokens; the cached and reasoning details are counts inside
 * those two and are not kept apart) in the shape settlement takes; null when the provider gave none.
 */
export function responsesUsage(usage: unknown): ProviderUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const { input_tokens: input, output_tokens: output } = usage as Record<string, unknown>;
  if (!Number.isSafeInteger(input) || !Number.isSafeInteger(output)) return null;
  return {
    prompt_tokens: input as number,
    completion_tokens: output as number,
    total_tokens: (input as number) + (output as number),
  };
}
