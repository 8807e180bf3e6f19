import type { CompiledPolicy, PolicyOutcome } from '../policy/policy-port';

interface Completion {
  choices?: {
    message?: {
      content?: string | null;
      tool_calls?: { function?: { arguments?: string } }[];
      [key: string]: unknown;
    };
    finish_reason?: string | null;
    [key: string]: unknown;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
}

/**
 * The non-streamed output path: every choice's content and tool-call arguments are evaluated as one
 * output decision and redacted in place when enforced. A block empties the choices and marks them
 * finish_reason "content_filter" (as OpenAI's own content filter does), so clients need no special case.
 */
export function applyOutputPolicy(
  completion: Completion,
  policy: CompiledPolicy,
  bucketKey: string,
): { outcome: PolicyOutcome; outputChars: number } {
  const texts: string[] = [];
  const choices = Array.isArray(completion.choices) ? completion.choices : [];
  for (const choice of choices) {
    const message = choice.message;
    if (!message) continue;
    if (typeof message.content === 'string') texts.push(message.content);
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (typeof call.function?.arguments === 'string') texts.push(call.function.arguments);
      }
    }
  }
  let outputChars = 0;
  for (const text of texts) outputChars += text.length;
  const { outcome, texts: redacted } = policy.evaluate(texts, 'output', bucketKey);
  if (!outcome.enforced || outcome.decision === 'allow' || outcome.decision === 'flag')
    return { outcome, outputChars };
  if (outcome.decision === 'block') {
    for (const choice of choices) {
      if (choice.message) {
        choice.message.content = '';
        delete choice.message.tool_calls;
      }
      choice.finish_reason = 'content_filter';
    }
    return { outcome, outputChars };
  }
  let i = 0;
  for (const choice of choices) {
    const message = choice.message;
    if (!message) continue;
    if (typeof message.content === 'string') message.content = redacted[i++];
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (typeof call.function?.arguments === 'string') call.function.arguments = redacted[i++];
      }
    }
  }
  return { outcome, outputChars };
}
