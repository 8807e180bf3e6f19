import type { ServerResponse } from 'node:http';
import { endConnection, sendJson, type Schedule } from './chat-response';
import { DEFAULT_MOCK_CONTENT, splitPieces, type CompiledScript, type MockScript } from './mock-script';

/**
 * The mock upstream's Responses API (POST /v1/responses, JSON or typed SSE events) and Embeddings API
 * (POST /v1/embeddings), driven by the same scripts as its chat completions: `content` / `chunks` become
 * the output_text and its delta events, `toolCalls` become function_call items (arguments streamed in
 * `argumentChunks`), `usage` fixes the token counts (prompt_tokens → input_tokens), and the fault fields
 * (status, delays, resets, hang) behave as for chat. Bodies follow OpenAI's published schemas, including
 * the nulls the real API sends (`usage: null` in response.created, `user: null`).
 */

/** A stored response (store not false), for GET/DELETE /v1/responses/{id} and input_items. */
export interface StoredMockResponse {
  response: Record<string, unknown>;
  inputItems: Record<string, unknown>[];
}

/** What the mock needs of a Responses request body (checked by the server first). */
export type ResponsesBody = Record<string, unknown> & { model: string };

/** The complete Response object the script describes for `request`, and its stream of events. */
export function buildResponse(
  script: MockScript,
  compiled: CompiledScript,
  request: ResponsesBody,
  id: string,
): { response: Record<string, unknown>; events: Record<string, unknown>[] } {
  const toolCalls = script.toolCalls ?? [];
  const content =
    script.content ??
    (script.chunks ? script.chunks.join('') : toolCalls.length > 0 ? null : DEFAULT_MOCK_CONTENT);
  const pieces = script.chunks ?? (content === null ? [] : splitPieces(content));
  const created = Math.floor(Date.now() / 1000);
  const output: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const base = {
    id,
    object: 'response',
    created_at: created,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: typeof request.instructions === 'string' ? request.instructions : null,
    max_output_tokens: typeof request.max_output_tokens === 'number' ? request.max_output_tokens : null,
    model: request.model,
    output: [] as unknown[],
    parallel_tool_calls: true,
    previous_response_id:
      typeof request.previous_response_id === 'string' ? request.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    store: request.store !== false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: Array.isArray(request.tools) ? request.tools : [],
    top_p: 1,
    truncation: 'disabled',
    usage: null as unknown,
    user: typeof request.user === 'string' ? request.user : null,
    metadata: typeof request.metadata === 'object' && request.metadata !== null ? request.metadata : {},
  };
  events.push({ type: 'response.created', response: { ...base } });
  events.push({ type: 'response.in_progress', response: { ...base } });
  if (content !== null) {
    const oi = output.length;
    const itemId = `msg_${id}_${oi}`;
    const part = { type: 'output_text', text: content, annotations: [], logprobs: [] };
    const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] };
    events.push({
      type: 'response.output_item.added',
      output_index: oi,
      item: { ...item, status: 'in_progress', content: [] },
    });
    events.push({
      type: 'response.content_part.added',
      item_id: itemId,
      output_index: oi,
      content_index: 0,
      part: { ...part, text: '' },
    });
    for (const delta of pieces) {
      events.push({
        type: 'response.output_text.delta',
        item_id: itemId,
        output_index: oi,
        content_index: 0,
        delta,
        logprobs: [],
      });
    }
    events.push({
      type: 'response.output_text.done',
      item_id: itemId,
      output_index: oi,
      content_index: 0,
      text: content,
      logprobs: [],
    });
    events.push({
      type: 'response.content_part.done',
      item_id: itemId,
      output_index: oi,
      content_index: 0,
      part,
    });
    events.push({ type: 'response.output_item.done', output_index: oi, item });
    output.push(item);
  }
  toolCalls.forEach((call, i) => {
    const oi = output.length;
    const itemId = `fc_${id}_${oi}`;
    const item = {
      id: itemId,
      type: 'function_call',
      status: 'completed',
      call_id: `call_mock_${i}`,
      name: call.name,
      arguments: call.arguments,
    };
    events.push({
      type: 'response.output_item.added',
      output_index: oi,
      item: { ...item, status: 'in_progress', arguments: '' },
    });
    for (const delta of call.argumentChunks ?? splitPieces(call.arguments)) {
      events.push({
        type: 'response.function_call_arguments.delta',
        item_id: itemId,
        output_index: oi,
        delta,
      });
    }
    events.push({
      type: 'response.function_call_arguments.done',
      item_id: itemId,
      output_index: oi,
      name: call.name,
      arguments: call.arguments,
    });
    events.push({ type: 'response.output_item.done', output_index: oi, item });
    output.push(item);
  });
  const inputTokens = script.usage
    ? script.usage.prompt_tokens
    : Math.max(1, Math.ceil(inputChars(request) / 4));
  const outputTokens = script.usage ? script.usage.completion_tokens : compiled.completionTokens;
  const response: Record<string, unknown> = {
    ...base,
    status: 'completed',
    output,
    usage:
      script.usage === null
        ? null
        : {
            input_tokens: inputTokens,
            input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
            output_tokens: outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: inputTokens + outputTokens,
          },
  };
  events.push({ type: 'response.completed', response });
  events.forEach((event, i) => (event.sequence_number = i));
  return { response, events };
}

/** Answers POST /v1/responses by its script: a Response, or its events as SSE, paced and cut as scripted. */
export function respondToResponses(
  res: ServerResponse,
  compiled: CompiledScript,
  built: { response: Record<string, unknown>; events: Record<string, unknown>[] },
  stream: boolean,
  schedule: Schedule,
): void {
  if (!stream) {
    sendJson(res, compiled.status, JSON.stringify(built.response), compiled.extraHeaders);
    return;
  }
  const events = built.events.map((e) => `event: ${e.type as string}\ndata: ${JSON.stringify(e)}\n\n`);
  res.writeHead(compiled.status, [
    'content-type',
    'text/event-stream',
    'cache-control',
    'no-cache',
    ...compiled.extraHeaders,
  ]);
  const resetAt = compiled.resetAfterChunks;
  if (compiled.chunkDelayMs === 0) {
    if (resetAt < 0) {
      res.end(events.join(''));
    } else {
      res.flushHeaders();
      if (resetAt > 0) res.write(events.slice(0, resetAt).join(''));
      endConnection(res);
    }
    return;
  }
  let next = 0;
  const writeNext = (): void => {
    if (res.destroyed) return;
    if (next === resetAt) endConnection(res);
    else if (next === events.length - 1) res.end(events[next]);
    else {
      res.write(events[next++]);
      schedule(res, compiled.chunkDelayMs, writeNext);
    }
  };
  writeNext();
}

/** The input items a stored response lists (a string input becomes one user message). */
export function inputItemsOf(request: ResponsesBody, id: string): Record<string, unknown>[] {
  const input = request.input;
  const items =
    typeof input === 'string'
      ? [{ type: 'message', role: 'user', content: input }]
      : Array.isArray(input)
        ? input
        : [];
  return items.map((item, i) => {
    const record = { ...(item as Record<string, unknown>) };
    if (typeof record.content === 'string') record.content = [{ type: 'input_text', text: record.content }];
    return { id: `in_${id}_${i}`, type: 'message', status: 'completed', ...record };
  });
}

/** Deterministic embeddings: `dimensions` (default 8) floats per input, or their float32 bytes in base64. */
export function embeddingsJson(request: Record<string, unknown>, usage: MockScript['usage']): string {
  const input = request.input;
  const inputs: unknown[] = typeof input === 'string' ? [input] : Array.isArray(input) ? input : [];
  const list = inputs.length > 0 && typeof inputs[0] === 'number' ? [inputs] : inputs;
  const dims =
    typeof request.dimensions === 'number' && request.dimensions > 0 ? Math.min(request.dimensions, 4096) : 8;
  const base64 = request.encoding_format === 'base64';
  const data = list.map((item, index) => {
    const seed = typeof item === 'string' ? item.length : Array.isArray(item) ? item.length : 0;
    const vector = Array.from({ length: dims }, (_, d) => Math.fround(Math.sin(seed + d + 1) / 2));
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  let tokens = 0;
  for (const item of list)
    tokens +=
      typeof item === 'string'
        ? Math.max(1, Math.ceil(item.length / 4))
        : Array.isArray(item)
          ? item.length
          : 0;
  const promptTokens = usage ? usage.prompt_tokens : tokens;
  return JSON.stringify({
    object: 'list',
    data,
    model: request.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

function inputChars(request: ResponsesBody): number {
  let chars = typeof request.instructions === 'string' ? request.instructions.length : 0;
  const count = (value: unknown): void => {
    if (typeof value === 'string') chars += value.length;
    else if (Array.isArray(value)) value.forEach(count);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value))
        if (key !== 'type' && key !== 'role' && key !== 'id') count(v);
    }
  };
  count(request.input);
  return chars;
}
