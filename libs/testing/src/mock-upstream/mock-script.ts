/**
 * Script compilation for the mock upstream: everything that does not depend on the request (choices,
 * stream deltas, error bodies) is serialised once per script, so a request only concatenates strings.
 */

export interface MockToolCall {
  name: string;
  /** Whole JSON arguments string (non-streamed message, and the default source of `argumentChunks`). */
  arguments: string;
  /** Exact argument pieces for streaming (default: `arguments` split into ~4-character pieces). */
  argumentChunks?: string[];
}

/** How the next matching request(s) behave. */
export interface MockScript {
  /** Assistant content (default: a fixed 80-character sentence; `null` when only tool calls are scripted). */
  content?: string;
  /** Exact content pieces for SSE streaming (default: `content` split into 4-character pieces). */
  chunks?: string[];
  /** Assistant tool calls (non-stream: whole; stream: a header delta, then the argument pieces). */
  toolCalls?: MockToolCall[];
  /** Default `tool_calls` when tool calls are scripted, else `stop`. Not checked against OpenAI's enum. */
  finishReason?: string;
  /** Default computed (prompt = request message chars / 4, min 1; completion = output chars / 4); null omits usage. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** HTTP status. >= 400 (or any `errorBody`) answers with an error body instead of a completion. */
  status?: number;
  /** Error body; a string is sent verbatim (e.g. to inject malformed JSON), anything else as JSON. */
  errorBody?: unknown;
  /** Extra response headers (e.g. `retry-after` with a 429). */
  headers?: Record<string, string>;
  /** Delay before the response headers. */
  delayMs?: number;
  /** Delay between SSE events. */
  chunkDelayMs?: number;
  /** Close the connection after N SSE events (the client sees the stream terminate mid-way). */
  resetAfterChunks?: number;
  /** Destroy the socket without sending any response. */
  resetBeforeResponse?: boolean;
  /** Never respond (client timeouts); the socket is still destroyed by `close()`. */
  hang?: boolean;
  /** Number of choices (default: the request's `n`, else 1). */
  n?: number;
}

export const DEFAULT_MOCK_CONTENT =
  'Hello from the mock upstream. This deterministic reply serves tests and benches.';

const PIECE_LENGTH = 4;
const MAX_CHOICES = 128;

export type CompiledMode = 'complete' | 'error' | 'reset' | 'hang';

export interface CompiledChoices {
  /** JSON array for `choices` of a chat.completion. */
  readonly messageChoices: string;
  /** `,"choices":[...]` fragments, one per SSE chunk before the usage chunk. */
  readonly streamTails: readonly string[];
}

export interface CompiledScript {
  /** The script as given (the Responses and Embeddings mocks build their bodies from it). */
  readonly source: MockScript;
  readonly mode: CompiledMode;
  readonly status: number;
  readonly errorBody: string;
  /** Flat [name, value, name, value, ...] extra headers. */
  readonly extraHeaders: readonly string[];
  readonly delayMs: number;
  readonly chunkDelayMs: number;
  /** -1 = no reset. */
  readonly resetAfterChunks: number;
  readonly n: number | undefined;
  readonly omitUsage: boolean;
  /** Precomputed usage JSON when the script fixes it. */
  readonly fixedUsage: string | undefined;
  /** Completion tokens of one choice when usage is computed. */
  readonly completionTokens: number;
  choices(n: number): CompiledChoices;
}

/** Splits into pieces of `size` code points (never inside a surrogate pair). */
export function splitPieces(text: string, size = PIECE_LENGTH): string[] {
  const codePoints = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < codePoints.length; i += size) pieces.push(codePoints.slice(i, i + size).join(''));
  return pieces;
}

export function usageJson(promptTokens: number, completionTokens: number): string {
  return `{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}`;
}

export function openAIErrorJson(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

export function defaultErrorBody(status: number): string {
  if (status === 401)
    return openAIErrorJson('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  if (status === 429) {
    return openAIErrorJson(
      'Rate limit reached (injected by the mock upstream).',
      'requests',
      'rate_limit_exceeded',
    );
  }
  if (status >= 500) {
    return openAIErrorJson(
      'The server had an error while processing your request. Sorry about that! (injected by the mock upstream)',
      'server_error',
      null,
    );
  }
  return openAIErrorJson(
    `Request failed with status ${status} (injected by the mock upstream).`,
    'invalid_request_error',
    null,
  );
}

function nonNegativeInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`MockScript.${name} must be a non-negative integer`);
  return value;
}

export function compileScript(script: MockScript): CompiledScript {
  const delayMs = nonNegativeInteger(script.delayMs, 'delayMs', 0);
  const chunkDelayMs = nonNegativeInteger(script.chunkDelayMs, 'chunkDelayMs', 0);
  const resetAfterChunks = nonNegativeInteger(script.resetAfterChunks, 'resetAfterChunks', -1);
  if (script.n !== undefined && (!Number.isInteger(script.n) || script.n < 1 || script.n > MAX_CHOICES)) {
    throw new RangeError(`MockScript.n must be an integer in 1..${MAX_CHOICES}`);
  }
  const extraHeaders = Object.entries(script.headers ?? {}).flat();

  const isError = script.errorBody !== undefined || (script.status ?? 200) >= 400;
  const status = script.status ?? (isError ? 500 : 200);
  const errorBody = !isError
    ? ''
    : typeof script.errorBody === 'string'
      ? script.errorBody
      : script.errorBody === undefined
        ? defaultErrorBody(status)
        : JSON.stringify(script.errorBody);
  const mode: CompiledMode = script.hang
    ? 'hang'
    : script.resetBeforeResponse
      ? 'reset'
      : isError
        ? 'error'
        : 'complete';

  const toolCalls = script.toolCalls ?? [];
  const content: string | null =
    script.content ??
    (script.chunks ? script.chunks.join('') : toolCalls.length > 0 ? null : DEFAULT_MOCK_CONTENT);
  const contentPieces = script.chunks ?? (content === null ? [] : splitPieces(content));
  const finishReason = script.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
  const outputChars =
    (content ?? '').length +
    toolCalls.reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);

  const cache = new Map<number, CompiledChoices>();
  const choices = (n: number): CompiledChoices => {
    let compiled = cache.get(n);
    if (!compiled) {
      compiled = buildChoices(n, content, contentPieces, toolCalls, finishReason);
      cache.set(n, compiled);
    }
    return compiled;
  };

  return {
    source: script,
    mode,
    status,
    errorBody,
    extraHeaders,
    delayMs,
    chunkDelayMs,
    resetAfterChunks,
    n: script.n,
    omitUsage: script.usage === null,
    fixedUsage: script.usage
      ? usageJson(script.usage.prompt_tokens, script.usage.completion_tokens)
      : undefined,
    completionTokens: Math.ceil(outputChars / 4),
    choices,
  };
}

function buildChoices(
  n: number,
  content: string | null,
  contentPieces: readonly string[],
  toolCalls: readonly MockToolCall[],
  finishReason: string,
): CompiledChoices {
  const indexes = Array.from({ length: n }, (_, i) => i);
  const callId = (choice: number, call: number) => `call_mock_${choice}_${call}`;

  const messageChoices = JSON.stringify(
    indexes.map((index) => ({
      index,
      message: {
        role: 'assistant',
        content,
        refusal: null,
        annotations: [],
        ...(toolCalls.length > 0
          ? {
              tool_calls: toolCalls.map((call, i) => ({
                id: callId(index, i),
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
      },
      logprobs: null,
      finish_reason: finishReason,
    })),
  );

  // OpenAI interleaves the choices: each SSE chunk carries one choice's delta.
  const tail = (index: number, delta: object, finish: string | null = null) =>
    `,"choices":${JSON.stringify([{ index, delta, logprobs: null, finish_reason: finish }])}`;
  const streamTails: string[] = [];
  for (const index of indexes) {
    streamTails.push(
      tail(index, { role: 'assistant', content: content === null ? null : '', refusal: null }),
    );
  }
  for (const piece of contentPieces) {
    for (const index of indexes) streamTails.push(tail(index, { content: piece }));
  }
  toolCalls.forEach((call, callIndex) => {
    for (const index of indexes) {
      streamTails.push(
        tail(index, {
          tool_calls: [
            {
              index: callIndex,
              id: callId(index, callIndex),
              type: 'function',
              function: { name: call.name, arguments: '' },
            },
          ],
        }),
      );
    }
    for (const piece of call.argumentChunks ?? splitPieces(call.arguments)) {
      for (const index of indexes) {
        streamTails.push(tail(index, { tool_calls: [{ index: callIndex, function: { arguments: piece } }] }));
      }
    }
  });
  for (const index of indexes) streamTails.push(tail(index, {}, finishReason));

  return { messageChoices, streamTails };
}
