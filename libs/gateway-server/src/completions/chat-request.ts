import { invalidParam, objectWithModel } from '../endpoints/request-fields';

export interface ChatRequest {
  /** The client's body; OpenAI parameters the gateway does not interpret pass through untouched. */
  body: Record<string, unknown>;
  model: string;
  messages: Record<string, unknown>[];
  stream: boolean;
  /** The client asked for the final usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  user: string | null;
  maxTokens: number | null;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * Hand-written validation of the few fields the gateway relies on (a compiled schema of the whole OpenAI
 * request would cost more than the rest of the hot path). The 400 names the offending param.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  const { record, model } = objectWithModel(body);
  const messages = record.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidParam('messages must be a non-empty array of { role, content } objects.', 'messages');
  }
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i], i);
  const stream = record.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    throw invalidParam('stream must be a boolean.', 'stream');
  }
  const streamOptions = record.stream_options;
  if (
    streamOptions !== undefined &&
    streamOptions !== null &&
    (typeof streamOptions !== 'object' || Array.isArray(streamOptions))
  ) {
    throw invalidParam('stream_options must be an object.', 'stream_options');
  }
  const user = record.user;
  if (user !== undefined && user !== null && typeof user !== 'string')
    throw invalidParam('user must be a string.', 'user');
  const normalisedUser = typeof user === 'string' ? normaliseUser(user) : null;
  // The provider gets the user the policy judged and the record keeps (policy_user).
  if (typeof user === 'string') {
    if (normalisedUser === null) delete record.user;
    else record.user = normalisedUser;
  }
  const maxTokens = record.max_completion_tokens ?? record.max_tokens;
  return {
    body: record,
    model,
    messages: messages as Record<string, unknown>[],
    stream: stream === true,
    includeUsage:
      stream === true &&
      (streamOptions as { include_usage?: unknown } | null | undefined)?.include_usage === true,
    user: normalisedUser,
    maxTokens:
      typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0 ? maxTokens : null,
  };
}

/** policy_user's bound (the decision contract's). */
export const MAX_USER_LENGTH = 256;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `user` as it is kept (policy_user) and forwarded: without control characters (a NUL cannot be stored,
 * and would lose the decision), well-formed UTF-16, trimmed, at most 256 code units; null when empty.
 */
export function normaliseUser(user: string): string | null {
  let value = user.replace(CONTROL, '').replace(LONE_SURROGATE, '\ufffd').trim();
  if (value.length > MAX_USER_LENGTH) {
    const cut = value.charCodeAt(MAX_USER_LENGTH - 1);
    // Never end on the first half of a surrogate pair.
    value = value.slice(0, cut >= 0xd800 && cut <= 0xdbff ? MAX_USER_LENGTH - 1 : MAX_USER_LENGTH);
  }
  return value.length > 0 ? value : null;
}

function checkMessage(message: unknown, i: number): void {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw invalidParam(`messages[${i}] must be an object with role and content.`, `messages[${i}]`);
  }
  const { role, content } = message as { role?: unknown; content?: unknown };
  if (typeof role !== 'string' || !ROLES.has(role)) {
    throw invalidParam(
      `messages[${i}].role must be one of ${[...ROLES].map((r) => `'${r}'`).join(', ')}.`,
      `messages[${i}].role`,
    );
  }
  if (typeof content === 'string') return;
  // An assistant turn that only calls tools carries content null (or none).
  if ((content === null || content === undefined) && role === 'assistant') return;
  if (!Array.isArray(content)) {
    throw invalidParam(
      `messages[${i}].content must be a string or an array of content parts.`,
      `messages[${i}].content`,
    );
  }
  for (let j = 0; j < content.length; j++) {
    const part = content[j] as { type?: unknown; text?: unknown } | null;
    if (typeof part !== 'object' || part === null || typeof part.type !== 'string') {
      throw invalidParam(
        `messages[${i}].content[${j}] must be an object with a type.`,
        `messages[${i}].content[${j}]`,
      );
    }
    if (part.type === 'text' && typeof part.text !== 'string') {
      throw invalidParam(
        `messages[${i}].content[${j}].text must be a string.`,
        `messages[${i}].content[${j}].text`,
      );
    }
  }
}

/**
 * Calls `visit` for every prompt text (string contents and text parts), letting it replace the text.
 * Returns the number of characters seen (for the token estimate).
 */
export function forEachPromptText(
  messages: Record<string, unknown>[],
  visit: (text: string) => string,
): number {
  let chars = 0;
  for (const message of messages) {
    const content = message.content;
    if (typeof content === 'string') {
      chars += content.length;
      const replaced = visit(content);
      if (replaced !== content) message.content = replaced;
    } else if (Array.isArray(content)) {
      for (const part of content as { type: string; text?: string }[]) {
        if (part.type === 'text' && typeof part.text === 'string') {
          chars += part.text.length;
          const replaced = visit(part.text);
          if (replaced !== part.text) part.text = replaced;
        }
      }
    }
  }
  return chars;
}

/** chars/4, the usual rule of thumb for English with OpenAI tokenizers, plus per-message framing. */
export function estimateTokens(chars: number, messages = 0): number {
  return Math.ceil(chars / 4) + messages * 4;
}
