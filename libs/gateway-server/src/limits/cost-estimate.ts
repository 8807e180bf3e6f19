import { GatewayError } from '../errors/gateway-error';
import { imageTokenBound, modelTokenLimits } from './model-token-limits';

/**
 * The most tokens a chat completion request can be billed, known before it is sent: what a budget
 * reservation holds. Settlement replaces it with the upstream's reported usage.
 *
 * Input: every prompt part is somewhere in the request body, so its UTF-8 size bounds its tokens (each
 * token of a byte-level BPE tokenizer, OpenAI's included, covers at least one byte; the message framing
 * tokens are outweighed by the JSON punctuation around each message). Media are the exception: their
 * base64 bytes are replaced by their documented token cost (images), or a stated assumption (audio, file
 * references). A tokenizer would be tighter (about 4x for English); see docs/budgets.md for why none runs
 * on the hot path.
 *
 * Output: max_completion_tokens / max_tokens (the larger, if both), else the model's largest output,
 * times `n` (each choice is billed; the prompt once).
 */
export interface RequestTokenBound {
  inputTokens: number;
  /** All choices together. */
  outputTokens: number;
  totalTokens: number;
  n: number;
}

/** OpenAI accepts n up to 128. */
export const MAX_CHOICES = 128;
/** Priming and end-of-prompt tokens beyond what the body's bytes already cover. */
const PROMPT_OVERHEAD_TOKENS = 8;
/**
 * Input audio: OpenAI bills about 10 audio tokens a second; at the lowest common bitrate (8 kbit/s, 1 kB/s)
 * that is 1 token per 100 bytes, so 1 per 40 bytes leaves a 2.5x margin. An assumption, not a bound.
 */
const AUDIO_BYTES_PER_TOKEN = 40;
/** A file sent by id (its content is unknown here): an assumption, not a bound. */
export const FILE_REFERENCE_TOKENS = 32_768;

export function boundChatRequestTokens(
  body: Record<string, unknown>,
  rawBytes: number,
  upstreamModel: string,
): RequestTokenBound {
  const limits = modelTokenLimits(upstreamModel);
  const n = choicesOf(body.n);
  let input = rawBytes + PROMPT_OVERHEAD_TOKENS;
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const part of content as Record<string, unknown>[]) {
      if (typeof part !== 'object' || part === null) continue;
      input += mediaAdjustment(part, limits);
    }
  }
  const perChoice = outputPerChoice(body, limits.maxOutputTokens);
  const outputTokens = perChoice * n;
  const totalTokens = Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, input) + outputTokens);
  return { inputTokens: Math.max(1, input), outputTokens, totalTokens, n };
}

/** A media part: its data's bytes out of the byte count, its token cost in. */
function mediaAdjustment(part: Record<string, unknown>, limits: ReturnType<typeof modelTokenLimits>): number {
  switch (part.type) {
    case 'image_url': {
      const image = part.image_url as { url?: unknown; detail?: unknown } | string | null | undefined;
      const url = typeof image === 'string' ? image : image?.url;
      const detail = typeof image === 'object' && image !== null ? image.detail : undefined;
      return imageTokenBound(limits, detail) - (typeof url === 'string' ? url.length : 0);
    }
    case 'input_audio': {
      const data = (part.input_audio as { data?: unknown } | null | undefined)?.data;
      if (typeof data !== 'string') return 0;
      return Math.ceil((data.length * 3) / 4 / AUDIO_BYTES_PER_TOKEN) - data.length;
    }
    case 'file': {
      // file_data stays counted by its base64 bytes; a file_id names content the gateway cannot see.
      const file = part.file as { file_data?: unknown; file_id?: unknown } | null | undefined;
      return typeof file?.file_data !== 'string' && typeof file?.file_id === 'string'
        ? FILE_REFERENCE_TOKENS
        : 0;
    }
    default:
      return 0;
  }
}

function choicesOf(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CHOICES) {
    throw new GatewayError('invalid_request', `n must be an integer between 1 and ${MAX_CHOICES}.`, 'n', {
      code: 'invalid_value',
    });
  }
  return value;
}

/** The larger of the valid caps the client set, else the model's largest output. */
function outputPerChoice(body: Record<string, unknown>, modelMax: number): number {
  let cap = 0;
  for (const value of [body.max_completion_tokens, body.max_tokens]) {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value > cap) cap = value;
  }
  return cap > 0 ? cap : modelMax;
}
