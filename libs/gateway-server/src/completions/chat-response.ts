import { GatewayError } from '../errors/gateway-error';
import { applyOutputPolicy, countOutputChars } from '../fields/chat-response-fields';
import type { ResponseContext, ResponseStages, UnaryResult } from '../exchange/response-stages';
import { ALLOW, type PolicyOutcome } from '../policy/policy-port';
import { usageOf, type ProviderUsage } from '../settlement/request-record';
import { StreamingRedaction } from './streaming-redaction';

/** Chat completions' output stages: a chat.completion body, or a stream of chat.completion.chunk events. */
export const CHAT_RESPONSE_STAGES: ResponseStages = {
  unary: chatUnary,
  stream: (x, emit) => new StreamingRedaction(x.record.policy, x.bucketKey, x.includeUsage, emit),
  errorEvent: StreamingRedaction.errorEvent,
};

function chatUnary(x: ResponseContext, raw: Buffer): UnaryResult {
  let completion: { usage?: Partial<ProviderUsage> | null };
  try {
    completion = JSON.parse(raw.toString()) as typeof completion;
  } catch {
    throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  if (typeof completion !== 'object' || completion === null) {
    throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  const policy = x.record.policy;
  let outcome: PolicyOutcome = ALLOW;
  let outputChars = 0;
  if (policy) ({ outcome, outputChars } = applyOutputPolicy(completion as never, policy, x.bucketKey));
  else outputChars = countOutputChars(completion as never);
  const rewritten = outcome.enforced && (outcome.decision === 'redact' || outcome.decision === 'block');
  return {
    // Unchanged, the provider's bytes go back as they came.
    body: rewritten ? JSON.stringify(completion) : raw,
    outcome,
    usage: usageOf(completion.usage, x.inputTokens, outputChars),
  };
}
