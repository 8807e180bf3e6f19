import type { ServerResponse } from 'node:http';
import { usageJson, type CompiledScript } from './mock-script';

/** The chat-completions request body the mock answers (validated by the server first). */
export type ChatBody = Record<string, unknown> & { messages: unknown[]; model: string };

/** Runs `fn` after `delayMs` unless the response closes first. */
export type Schedule = (res: ServerResponse, delayMs: number, fn: () => void) => void;

const JSON_TYPE = 'application/json';
const SSE_HEADERS = ['content-type', 'text/event-stream', 'cache-control', 'no-cache'];
const DONE_EVENT = 'data: [DONE]\n\n';

/**
 * Answers one chat-completions request by its script: a JSON completion, or SSE events (the choices' tails,
 * the usage event when asked, `[DONE]`), paced and cut where the script says. `schedule` runs a step later,
 * cancelled if the client goes away.
 */
export function respondToChat(
  res: ServerResponse,
  script: CompiledScript,
  request: ChatBody,
  id: string,
  schedule: Schedule,
): void {
  switch (script.mode) {
    case 'reset':
      res.socket?.destroy();
      return;
    case 'error':
      sendJson(res, script.status, script.errorBody, script.extraHeaders);
      return;
    case 'hang':
      return;
    case 'complete':
      break;
  }
  const requestedN = request['n'];
  const n =
    script.n ?? (Number.isInteger(requestedN) && (requestedN as number) > 0 ? (requestedN as number) : 1);
  const choices = script.choices(Math.min(n, 128));
  const usage = script.omitUsage
    ? undefined
    : (script.fixedUsage ?? usageJson(promptTokens(request.messages), script.completionTokens * n));
  const created = Math.floor(Date.now() / 1000);
  const model = JSON.stringify(request.model);

  if (request['stream'] !== true) {
    const json =
      `{"id":"${id}","object":"chat.completion","created":${created},"model":${model},"choices":${choices.messageChoices}` +
      (usage === undefined ? '}' : `,"usage":${usage}}`);
    sendJson(res, script.status, json, script.extraHeaders, id);
    return;
  }

  const streamOptions = request['stream_options'];
  const includeUsage =
    usage !== undefined &&
    typeof streamOptions === 'object' &&
    streamOptions !== null &&
    (streamOptions as Record<string, unknown>)['include_usage'] === true;
  const prefix = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${model}`;
  const suffix = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const events = choices.streamTails.map((tail) => prefix + tail + suffix);
  if (includeUsage) events.push(`${prefix},"choices":[],"usage":${usage}}\n\n`);
  events.push(DONE_EVENT);

  res.writeHead(script.status, [...SSE_HEADERS, 'x-request-id', `req_${id}`, ...script.extraHeaders]);
  const resetAt = script.resetAfterChunks;
  if (script.chunkDelayMs === 0) {
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
    if (next === resetAt) {
      endConnection(res);
    } else if (next === events.length - 1) {
      res.end(events[next]);
    } else {
      res.write(events[next++]);
      schedule(res, script.chunkDelayMs, writeNext);
    }
  };
  writeNext();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  extraHeaders: readonly string[] = [],
  requestId?: string,
): void {
  const headers = ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(json))];
  if (requestId !== undefined) headers.push('x-request-id', `req_${requestId}`);
  res.writeHead(status, extraHeaders.length > 0 ? [...headers, ...extraHeaders] : headers);
  res.end(json);
}

/**
 * Ends the connection after what was written so far is flushed, without the terminating chunk: the client
 * sees the events sent so far, then the stream fail ("terminated"). A FIN rather than a RST, so the events
 * already sent are reliably delivered and the number a test sees is deterministic.
 */
export function endConnection(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null) return;
  socket.end();
}

/** Rough prompt tokens: characters of the message contents / 4, at least 1. */
function promptTokens(messages: readonly unknown[]): number {
  let chars = 0;
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const content = (message as Record<string, unknown>)['content'];
    if (typeof content === 'string') {
      chars += content.length;
    } else if (Array.isArray(content)) {
      for (const part of content) {
        const text =
          typeof part === 'object' && part !== null ? (part as Record<string, unknown>)['text'] : undefined;
        if (typeof text === 'string') chars += text.length;
      }
    }
  }
  return Math.max(1, Math.ceil(chars / 4));
}
