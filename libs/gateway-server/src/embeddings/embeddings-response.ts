import { GatewayError } from '../errors/gateway-error';
import type { ResponseContext, ResponseStages, UnaryResult } from '../exchange/response-stages';

/**
 * Embeddings' output stage: vectors carry no text, so there is no output policy and no output decision;
 * the provider's bytes go back unchanged (float arrays or base64 strings, as the client asked). Usage is the
 * provider's prompt_tokens (embeddings have no output tokens), else the input estimate.
 */
export const EMBEDDINGS_RESPONSE_STAGES: ResponseStages = {
  unary: embeddingsUnary,
  stream: () => {
    // The request stage never sets stream for embeddings, so the Exchange never asks for this.
    throw new GatewayError('internal_error', 'Embeddings are never streamed.');
  },
  errorEvent: (message, code) =>
    `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code } })}\n\n`,
};

function embeddingsUnary(x: ResponseContext, raw: Buffer): UnaryResult {
  let parsed: { usage?: { prompt_tokens?: unknown } | null } | null;
  try {
    parsed = JSON.parse(raw.toString()) as typeof parsed;
  } catch {
    throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  const promptTokens = parsed.usage?.prompt_tokens;
  const usage = Number.isSafeInteger(promptTokens)
    ? { input: promptTokens as number, output: 0, estimated: false }
    : { input: x.inputTokens, output: 0, estimated: true };
  return { body: raw, outcome: null, usage };
}
