import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { respondToChat, sendJson, type ChatBody } from './chat-response';
import { compileScript, openAIErrorJson, type CompiledScript, type MockScript } from './mock-script';
import {
  buildResponse,
  embeddingsJson,
  inputItemsOf,
  respondToResponses,
  type ResponsesBody,
  type StoredMockResponse,
} from './responses-response';

export { DEFAULT_MOCK_CONTENT, type MockScript, type MockToolCall } from './mock-script';

/**
 * A fault-injecting, OpenAI-compatible upstream on node:http: it stands in for the LLM vendor in tests and
 * benchmarks. It shares the CPU with what it measures, so a request does no logging and only concatenates
 * strings serialised when the script was set (see mock-script.ts).
 *
 * Routes: POST /v1/chat/completions (JSON, or SSE when `stream: true`), POST /v1/responses (JSON, or typed
 * SSE events when `stream: true`; stored unless `store: false`), GET/DELETE /v1/responses/:id,
 * GET /v1/responses/:id/input_items, POST /v1/embeddings, GET /v1/models, GET /v1/models/:id; anything else
 * is an OpenAI-shaped 404. Scripts (setDefault, enqueue) drive chat completions, responses and embeddings
 * alike, in arrival order.
 */
export interface MockUpstreamOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, every request must carry `Authorization: Bearer <apiKey>`, else an OpenAI-shaped 401. */
  apiKey?: string;
  /** Record every request in `requests` (default true; benchmarks turn it off). */
  recordRequests?: boolean;
  /** Ids listed by GET /v1/models. */
  models?: string[];
  /** Keep-alive idle timeout of the server (default 65 s, above common client pool timeouts). */
  keepAliveTimeoutMs?: number;
  /**
   * Bounded concurrency, like a provider's per-account limit: a chat completion arriving while this many
   * requests are in flight gets an OpenAI-shaped 429 (`Retry-After: 1`). Default: unbounded.
   */
  maxConcurrent?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the body was empty or not JSON (see `rawBody`). */
  body: unknown;
  /** The body exactly as received (assert that a redacted value never reached the provider). */
  rawBody: string;
  receivedAt: number;
}

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];
const MAX_STORED_RESPONSES = 10_000;
const MODEL_CREATED = 1_700_000_000;

export class MockUpstream {
  /** Every received request, in arrival order (empty when `recordRequests: false`). */
  readonly requests: RecordedRequest[] = [];
  readonly port: number;
  readonly baseUrl: string;

  private readonly server: Server;
  private readonly record: boolean;
  private readonly expectedAuthorization: string | undefined;
  private readonly models: readonly string[];
  private readonly modelsJson: string;
  private readonly sockets = new Set<Socket>();
  private readonly inFlight = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly builtInDefault = compileScript({});
  private defaultScript: CompiledScript = this.builtInDefault;
  private queue: CompiledScript[] = [];
  private received = 0;
  private waiters: Waiter[] = [];
  private nextId = 0;
  private closing: Promise<void> | undefined;
  private readonly maxConcurrent: number;
  /** Chat completions parked by hold(), answered by release(). */
  private held: (() => void)[] | null = null;
  /** Responses created with store on, by id. */
  readonly storedResponses = new Map<string, StoredMockResponse>();

  private constructor(server: Server, port: number, host: string, options: MockUpstreamOptions) {
    this.server = server;
    this.port = port;
    const urlHost =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.baseUrl = `http://${urlHost}:${port}/v1`;
    this.record = options.recordRequests !== false;
    this.maxConcurrent = options.maxConcurrent ?? Infinity;
    this.expectedAuthorization = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
    this.models = options.models ?? DEFAULT_MODELS;
    this.modelsJson = JSON.stringify({ object: 'list', data: this.models.map((id) => modelObject(id)) });

    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
  }

  static async start(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
    server.headersTimeout = server.keepAliveTimeout + 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new MockUpstream(server, (server.address() as AddressInfo).port, host, options);
  }

  /** Sockets currently open (idle keep-alive ones included). */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Requests whose response has neither finished nor been aborted (a hung request counts). */
  get inFlightRequests(): number {
    return this.inFlight.size;
  }

  /** Requests received since start (or the last `reset()`), also counted when not recorded. */
  get requestCount(): number {
    return this.received;
  }

  /** Enqueued scripts not consumed yet. */
  get pendingScripts(): number {
    return this.queue.length;
  }

  /** Behaviour of every chat completion once the queue is empty. */
  setDefault(script: MockScript): void {
    this.defaultScript = compileScript(script);
  }

  /** One-shot behaviours, consumed in order by the next valid chat completion requests. */
  enqueue(...scripts: MockScript[]): void {
    this.queue.push(...scripts.map(compileScript));
  }

  /** Back to the built-in default, empty queue, no recorded requests, count 0. */
  reset(): void {
    this.defaultScript = this.builtInDefault;
    this.queue = [];
    this.requests.length = 0;
    this.received = 0;
    this.storedResponses.clear();
  }

  /**
   * Parks every chat completion from now on (in flight, nothing sent) until release(): a test builds up
   * exactly the concurrency it wants, independent of timing.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Answers the parked completions as scripted (skipping clients that went away) and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const answer of held) answer();
  }

  /** Chat completions parked by hold() and not released yet. */
  get heldRequests(): number {
    return this.held?.length ?? 0;
  }

  /** Resolves once at least `n` requests were received (event driven). */
  waitForRequests(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.received >= n) return Promise.resolve();
    if (this.closing) return Promise.reject(new Error('mock upstream is closed'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${n} requests (received ${this.received})`),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Stops listening and destroys every socket, hanging and idle keep-alive ones included. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      for (const waiter of this.waiters) waiter.reject(new Error('mock upstream closed'));
      this.waiters = [];
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight.add(res);
    res.once('close', () => this.inFlight.delete(res));
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.once('end', () => this.onBody(req, res, raw));
  }

  private onBody(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    let body: unknown;
    let invalidJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        invalidJson = true;
      }
    }
    if (this.record) {
      this.requests.push({ method, path, headers: req.headers, body, rawBody: raw, receivedAt: Date.now() });
    }
    this.received++;
    if (this.waiters.length > 0) this.notifyWaiters();

    if (
      this.expectedAuthorization !== undefined &&
      req.headers.authorization !== this.expectedAuthorization
    ) {
      sendJson(
        res,
        401,
        openAIErrorJson(
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
      );
      return;
    }
    if (path === '/v1/chat/completions' && method === 'POST') {
      this.chatCompletion(res, body, invalidJson);
    } else if (path === '/v1/responses' && method === 'POST') {
      this.createResponse(res, body, invalidJson);
    } else if (path === '/v1/embeddings' && method === 'POST') {
      this.embeddings(res, body, invalidJson);
    } else if (path.startsWith('/v1/responses/') && (method === 'GET' || method === 'DELETE')) {
      this.storedResponse(res, method, path.slice('/v1/responses/'.length));
    } else if (path === '/v1/models' && method === 'GET') {
      sendJson(res, 200, this.modelsJson);
    } else if (path.startsWith('/v1/models/') && method === 'GET' && this.models.includes(path.slice(11))) {
      sendJson(res, 200, JSON.stringify(modelObject(path.slice(11))));
    } else {
      sendJson(res, 404, openAIErrorJson(`Invalid URL (${method} ${path})`, 'invalid_request_error', null));
    }
  }

  /** The next script for a generating request (responses, embeddings), or null when the request was answered. */
  private nextScript(
    res: ServerResponse,
    body: unknown,
    invalidJson: boolean,
    required: string,
  ): CompiledScript | null {
    if (invalidJson || typeof body !== 'object' || body === null || Array.isArray(body)) {
      sendJson(
        res,
        400,
        openAIErrorJson('We could not parse the JSON body of your request.', 'invalid_request_error', null),
      );
      return null;
    }
    const request = body as Record<string, unknown>;
    for (const field of ['model', required]) {
      if (request[field] === undefined) {
        sendJson(
          res,
          400,
          openAIErrorJson(
            `Missing required parameter: '${field}'.`,
            'invalid_request_error',
            'missing_required_parameter',
            field,
          ),
        );
        return null;
      }
    }
    const script = this.queue.shift() ?? this.defaultScript;
    if (script.mode === 'hang') return null;
    if (script.mode === 'reset') {
      res.socket?.destroy();
      return null;
    }
    if (script.mode === 'error') {
      sendJson(res, script.status, script.errorBody, script.extraHeaders);
      return null;
    }
    return script;
  }

  private createResponse(res: ServerResponse, body: unknown, invalidJson: boolean): void {
    const script = this.nextScript(res, body, invalidJson, 'input');
    if (!script) return;
    const request = body as ResponsesBody;
    const previous = request.previous_response_id;
    if (typeof previous === 'string' && !this.storedResponses.has(previous)) {
      sendJson(
        res,
        400,
        openAIErrorJson(
          `Previous response with id '${previous}' not found.`,
          'invalid_request_error',
          'previous_response_not_found',
          'previous_response_id',
        ),
      );
      return;
    }
    const id = `resp_mock${++this.nextId}`;
    const built = buildResponse(script.source, script, request, id);
    if (request.store !== false) {
      this.storedResponses.set(id, { response: built.response, inputItems: inputItemsOf(request, id) });
      // A long-running mock (the embedded demo) keeps the most recent ones only.
      if (this.storedResponses.size > MAX_STORED_RESPONSES)
        this.storedResponses.delete(this.storedResponses.keys().next().value as string);
    }
    const answer = () =>
      respondToResponses(res, script, built, request.stream === true, (r, d, fn) => this.schedule(r, d, fn));
    if (script.delayMs > 0) this.schedule(res, script.delayMs, answer);
    else answer();
  }

  private embeddings(res: ServerResponse, body: unknown, invalidJson: boolean): void {
    const script = this.nextScript(res, body, invalidJson, 'input');
    if (!script) return;
    const json = embeddingsJson(body as Record<string, unknown>, script.source.usage);
    const answer = () => sendJson(res, script.status, json, script.extraHeaders);
    if (script.delayMs > 0) this.schedule(res, script.delayMs, answer);
    else answer();
  }

  private storedResponse(res: ServerResponse, method: string, rest: string): void {
    const slash = rest.indexOf('/');
    const id = slash === -1 ? rest : rest.slice(0, slash);
    const sub = slash === -1 ? '' : rest.slice(slash);
    const stored = this.storedResponses.get(id);
    if (!stored || (sub !== '' && (sub !== '/input_items' || method !== 'GET'))) {
      sendJson(
        res,
        404,
        openAIErrorJson(`No response found with id '${id}'.`, 'invalid_request_error', null),
      );
      return;
    }
    if (method === 'DELETE') {
      this.storedResponses.delete(id);
      sendJson(res, 200, JSON.stringify({ id, object: 'response', deleted: true }));
    } else if (sub === '/input_items') {
      const data = stored.inputItems;
      sendJson(
        res,
        200,
        JSON.stringify({
          object: 'list',
          data,
          first_id: data[0]?.id ?? null,
          last_id: data.at(-1)?.id ?? null,
          has_more: false,
        }),
      );
    } else {
      sendJson(res, 200, JSON.stringify(stored.response));
    }
  }

  private notifyWaiters(): void {
    const ready = this.waiters.filter((w) => w.n <= this.received);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.n > this.received);
    for (const waiter of ready) waiter.resolve();
  }

  private chatCompletion(res: ServerResponse, body: unknown, invalidJson: boolean, released = false): void {
    if (!released && this.inFlight.size > this.maxConcurrent) {
      sendJson(
        res,
        429,
        openAIErrorJson('Too many concurrent requests.', 'requests', 'rate_limit_exceeded'),
        ['retry-after', '1'],
      );
      return;
    }
    if (this.held && !released) {
      this.held.push(() => {
        if (!res.destroyed) this.chatCompletion(res, body, invalidJson, true);
      });
      return;
    }
    if (invalidJson || typeof body !== 'object' || body === null || Array.isArray(body)) {
      sendJson(
        res,
        400,
        openAIErrorJson(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
          'invalid_request_error',
          null,
        ),
      );
      return;
    }
    const request = body as Record<string, unknown>;
    for (const field of ['model', 'messages'] as const) {
      if (request[field] === undefined) {
        sendJson(
          res,
          400,
          openAIErrorJson(
            `Missing required parameter: '${field}'.`,
            'invalid_request_error',
            'missing_required_parameter',
            field,
          ),
        );
        return;
      }
    }
    if (typeof request['model'] !== 'string' || !Array.isArray(request['messages'])) {
      sendJson(
        res,
        400,
        openAIErrorJson('Invalid type for model or messages.', 'invalid_request_error', 'invalid_type'),
      );
      return;
    }

    const script = this.queue.shift() ?? this.defaultScript;
    if (script.mode === 'hang') return; // stays in flight until the client gives up or close()
    if (script.delayMs > 0) {
      this.schedule(res, script.delayMs, () => this.respond(res, script, request as ChatBody));
    } else {
      this.respond(res, script, request as ChatBody);
    }
  }

  private respond(res: ServerResponse, script: CompiledScript, request: ChatBody): void {
    respondToChat(res, script, request, `chatcmpl-mock${++this.nextId}`, (r, delay, fn) =>
      this.schedule(r, delay, fn),
    );
  }

  private schedule(res: ServerResponse, delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      res.off('close', cancel);
      fn();
    }, delayMs);
    const cancel = (): void => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
    this.timers.add(timer);
    res.once('close', cancel);
  }
}

function modelObject(id: string): { id: string; object: 'model'; created: number; owned_by: string } {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'mock-upstream' };
}
