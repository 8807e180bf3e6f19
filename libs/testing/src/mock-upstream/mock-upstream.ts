import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An OpenAI-compatible stand-in for the LLM vendor, with injectable faults. It shares the machine with
 * the benchmarks, so the default responses are prebuilt and nothing is logged per request.
 */
export interface MockUpstreamOptions {
  port?: number;
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Keep a copy of every request (tests assert on what the provider saw). Off for benchmarks. */
  recordRequests?: boolean;
}

export interface MockScript {
  content?: string;
  /** Exact content pieces for streaming; default: the content in 4-character pieces. */
  chunks?: string[];
  toolCalls?: { name: string; arguments: string; argumentChunks?: string[] }[];
  finishReason?: string;
  /** null omits usage; default counts ~4 characters per token. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  status?: number;
  errorBody?: unknown;
  delayMs?: number;
  chunkDelayMs?: number;
  /** Destroy the socket after this many SSE events (a connection reset mid-stream). */
  resetAfterChunks?: number;
  resetBeforeResponse?: boolean;
  /** Never answer (for timeouts); close() cleans up. */
  hang?: boolean;
  n?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  receivedAt: number;
}

interface ChatRequest {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { content?: unknown }[];
}

const DEFAULT_CONTENT = 'Hello from the mock upstream.';

export class MockUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private queue: MockScript[] = [];
  private defaultScript: MockScript = {};
  private waiters: { n: number; resolve: () => void }[] = [];
  private received = 0;
  private cachedDefault: { model: string; body: string } | null = null;

  private constructor(
    private readonly server: Server,
    private readonly options: MockUpstreamOptions,
  ) {}

  static async start(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
    const server = createServer();
    const mock = new MockUpstream(server, options);
    server.keepAliveTimeout = 65_000;
    server.on('connection', (socket: Socket) => {
      mock.sockets.add(socket);
      socket.on('close', () => mock.sockets.delete(socket));
    });
    server.on('request', (req, res) => mock.handle(req, res));
    await new Promise<void>((resolve) =>
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
    );
    return mock;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  setDefault(script: MockScript): void {
    this.defaultScript = script;
    this.cachedDefault = null;
  }

  enqueue(...scripts: MockScript[]): void {
    this.queue.push(...scripts);
  }

  waitForRequests(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.received >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mock upstream saw ${this.received} < ${n} requests`)),
        timeoutMs,
      );
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = null;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (this.options.recordRequests !== false) {
        this.requests.push({
          method: req.method ?? 'GET',
          path,
          headers: req.headers,
          body,
          receivedAt: Date.now(),
        });
      }
      this.received++;
      this.waiters = this.waiters.filter((waiter) =>
        this.received >= waiter.n ? (waiter.resolve(), false) : true,
      );
      this.route(req, res, path, body);
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, path: string, body: unknown): void {
    if (this.options.apiKey && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return sendJson(
        res,
        401,
        errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
      );
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'mock-model', object: 'model', created: 1_700_000_000, owned_by: 'mock' }],
      });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(res, 404, errorBody(`Unknown path ${path}`, 'invalid_request_error', 'not_found'));
    }
    const script = this.queue.shift() ?? this.defaultScript;
    const request = (body ?? {}) as ChatRequest;
    const respond = () => this.respond(req, res, script, request);
    if (script.delayMs) setTimeout(respond, script.delayMs);
    else respond();
  }

  private respond(req: IncomingMessage, res: ServerResponse, script: MockScript, request: ChatRequest): void {
    if (script.hang) return;
    if (script.resetBeforeResponse) {
      req.socket.destroy();
      return;
    }
    if (script.status && script.status >= 400) {
      return sendJson(
        res,
        script.status,
        script.errorBody ?? errorBody('Mock upstream failure.', 'server_error', null),
      );
    }
    if (request.stream === true) return this.stream(res, script, request);
    const model = request.model ?? 'mock-model';
    if (script === this.defaultScript && !hasOverrides(script)) {
      // The common benchmark path: one prebuilt body per model.
      if (this.cachedDefault?.model !== model) {
        this.cachedDefault = { model, body: JSON.stringify(completion(script, request)) };
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(this.cachedDefault.body),
      });
      res.end(this.cachedDefault.body);
      return;
    }
    sendJson(res, 200, completion(script, request));
  }

  private stream(res: ServerResponse, script: MockScript, request: ChatRequest): void {
    const events = streamEvents(script, request);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    let index = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (script.resetAfterChunks !== undefined && index >= script.resetAfterChunks) {
        // Destroy only after what was written reached the socket, so the client sees a partial stream.
        res.write('', () => res.socket?.destroy());
        return;
      }
      if (index >= events.length) {
        res.end('data: [DONE]\n\n');
        return;
      }
      res.write(`data: ${events[index++]}\n\n`);
      if (script.chunkDelayMs) setTimeout(next, script.chunkDelayMs);
      else next();
    };
    next();
  }
}

function hasOverrides(script: MockScript): boolean {
  return Object.keys(script).length > 0;
}

function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function promptChars(request: ChatRequest): number {
  let chars = 0;
  for (const message of request.messages ?? []) {
    chars +=
      typeof message.content === 'string'
        ? message.content.length
        : JSON.stringify(message.content ?? '').length;
  }
  return chars;
}

function usageFor(script: MockScript, request: ChatRequest, content: string) {
  if (script.usage === null) return undefined;
  const prompt = script.usage?.prompt_tokens ?? Math.max(1, Math.ceil(promptChars(request) / 4));
  const completionTokens = script.usage?.completion_tokens ?? Math.max(1, Math.ceil(content.length / 4));
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
  };
}

const created = () => Math.floor(Date.now() / 1000);
const completionId = () => `chatcmpl-mock${Math.random().toString(36).slice(2, 12)}`;

function completion(script: MockScript, request: ChatRequest) {
  const content = script.content ?? DEFAULT_CONTENT;
  const toolCalls = script.toolCalls?.map((call, i) => ({
    id: `call_${i}`,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
  const choices = Array.from({ length: script.n ?? 1 }, (_, index) => ({
    index,
    message: {
      role: 'assistant' as const,
      content,
      refusal: null,
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
    },
    logprobs: null,
    finish_reason: script.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
  }));
  const usage = usageFor(script, request, content);
  return {
    id: completionId(),
    object: 'chat.completion',
    created: created(),
    model: request.model ?? 'mock-model',
    choices,
    ...(usage ? { usage } : {}),
  };
}

function splitEvery(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function streamEvents(script: MockScript, request: ChatRequest): string[] {
  const id = completionId();
  const base = {
    id,
    object: 'chat.completion.chunk',
    created: created(),
    model: request.model ?? 'mock-model',
  };
  const content = script.content ?? script.chunks?.join('') ?? DEFAULT_CONTENT;
  const pieces = script.chunks ?? splitEvery(content, 4);
  const events: string[] = [];
  const n = script.n ?? 1;
  const chunk = (index: number, delta: object, finish: string | null = null) =>
    JSON.stringify({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }] });
  for (let index = 0; index < n; index++) {
    events.push(chunk(index, { role: 'assistant', content: '' }));
    for (const piece of pieces) events.push(chunk(index, { content: piece }));
    script.toolCalls?.forEach((call, callIndex) => {
      const argPieces = call.argumentChunks ?? splitEvery(call.arguments, 6);
      events.push(
        chunk(index, {
          tool_calls: [
            {
              index: callIndex,
              id: `call_${callIndex}`,
              type: 'function',
              function: { name: call.name, arguments: '' },
            },
          ],
        }),
      );
      for (const args of argPieces) {
        events.push(chunk(index, { tool_calls: [{ index: callIndex, function: { arguments: args } }] }));
      }
    });
    events.push(chunk(index, {}, script.finishReason ?? (script.toolCalls ? 'tool_calls' : 'stop')));
  }
  const usage = usageFor(script, request, content);
  if (request.stream_options?.include_usage && usage) {
    events.push(JSON.stringify({ ...base, choices: [], usage }));
  }
  return events;
}
