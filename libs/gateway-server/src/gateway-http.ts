import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeyAuthenticator, type Caller } from './auth/key-authenticator';
import { ChatCompletionsHandler } from './completions/chat-completions.handler';
import { ModelsHandler } from './completions/models.handler';
import { EmbeddingsHandler } from './embeddings/embeddings.handler';
import { ResponsesHandler, type StoredCall } from './responses/responses.handler';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from './gateway-server.options';
import { Readiness } from './state/readiness';
import { GatewayError } from './errors/gateway-error';
import { jsonTooDeep, MAX_JSON_DEPTH } from './http/json-depth';
import { checkJsonContentType, readBody, writeError } from './http/raw-response';

declare module 'fastify' {
  interface FastifyRequest {
    pgwCaller: Caller | null;
  }
}

const CHAT_PATH = '/v1/chat/completions';
const EMBEDDINGS_PATH = '/v1/embeddings';
const RESPONSES_PATH = '/v1/responses';
const KNOWN_PATHS: Record<string, string> = {
  [CHAT_PATH]: 'POST',
  [EMBEDDINGS_PATH]: 'POST',
  [RESPONSES_PATH]: 'POST',
  '/v1/models': 'GET, HEAD',
};
const SERVED = 'This gateway serves /v1/chat/completions, /v1/responses, /v1/embeddings and /v1/models.';

/** A POST endpoint served below Fastify: the handler gets the authenticated caller and the raw body. */
type PostHandler = (req: IncomingMessage, res: ServerResponse, caller: Caller, body: Buffer) => void;

/**
 * Registers the gateway's HTTP surface at bootstrap. POST /v1/chat/completions is served straight from the
 * node:http server's request event, ahead of Fastify (which still gets every other request): measured,
 * Nest's pipeline and then Fastify's own request/reply machinery each cost more CPU per request than the
 * gateway's policy work. The other routes are registered on the Fastify instance with a route-level error
 * handler, so they come out OpenAI-shaped whatever else shares the instance (embedded mode). Nest owns the
 * instance-wide not-found handler, so unknown paths are answered by a catch-all route instead.
 */
@Injectable()
export class GatewayHttp implements OnModuleInit {
  private readonly logger = new Logger('GatewayHttp');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: KeyAuthenticator,
    private readonly chat: ChatCompletionsHandler,
    private readonly models: ModelsHandler,
    private readonly embeddings: EmbeddingsHandler,
    private readonly responses: ResponsesHandler,
    private readonly readiness: Readiness,
    @Inject(GATEWAY_OPTIONS) private readonly options: ResolvedGatewayOptions,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    if (!fastify.hasRequestDecorator('pgwCaller')) fastify.decorateRequest('pgwCaller', null);
    const errorHandler = (error: FastifyError | GatewayError, request: FastifyRequest, reply: FastifyReply) =>
      this.sendError(reply, toGatewayError(error, this.logger));

    const authenticate = async (request: FastifyRequest) => {
      request.pgwCaller = this.auth.authenticate(request.headers.authorization);
    };
    this.serveChatBelowFastify(fastify.server);
    fastify.route({
      method: 'GET',
      url: '/v1/models',
      errorHandler,
      onRequest: authenticate,
      handler: async (request, reply) => {
        reply.type('application/json').send(this.models.list(request.pgwCaller as Caller));
      },
    });
    fastify.route({
      method: 'GET',
      url: '/v1/models/*',
      errorHandler,
      onRequest: authenticate,
      handler: async (request, reply) => {
        // The wildcard keeps ids with a slash ("org/model") whole; the id is matched as the client wrote it.
        const id = decodeURIComponent((request.params as { '*': string })['*']);
        reply.type('application/json').send(this.models.get(request.pgwCaller as Caller, id));
      },
    });
    const stored = (call: StoredCall) => async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      const queryAt = request.raw.url?.indexOf('?') ?? -1;
      const query = new URLSearchParams(queryAt === -1 ? '' : request.raw.url!.slice(queryAt + 1));
      // The Exchange answers on the raw response, as on the POST routes.
      reply.hijack();
      this.responses.stored(request.raw, reply.raw, request.pgwCaller as Caller, call, id, query);
    };
    for (const [method, url, call] of [
      ['GET', `${RESPONSES_PATH}/:id`, 'retrieve'],
      ['DELETE', `${RESPONSES_PATH}/:id`, 'delete'],
      ['GET', `${RESPONSES_PATH}/:id/input_items`, 'input_items'],
    ] as const) {
      fastify.route({ method, url, errorHandler, onRequest: authenticate, handler: stored(call) });
    }
    fastify.route({
      method: 'GET',
      url: '/healthz',
      errorHandler,
      handler: async (_request, reply) => {
        reply.type('application/json').send('{"status":"ok"}');
      },
    });
    fastify.route({
      method: 'GET',
      url: '/readyz',
      errorHandler,
      handler: async (_request, reply) => {
        const status = this.readiness.status();
        reply
          .code(status.ready ? 200 : 503)
          .type('application/json')
          .send(JSON.stringify(status));
      },
    });
    // Answered in onRequest, before any body is read or parsed.
    const notFound = async (request: FastifyRequest, reply: FastifyReply) => {
      this.sendError(reply, unknownRoute(request.method, request.url));
      return reply;
    };
    fastify.route({
      method: fastify.supportedMethods,
      url: '/*',
      errorHandler,
      onRequest: notFound,
      handler: notFound,
    });
  }

  /**
   * Puts the POST routes in front of Fastify's request listener: POST /v1/chat/completions, /v1/responses
   * and /v1/embeddings are answered here (key → content type → body → handler, the key checked before the
   * body is read), anything else goes to Fastify unchanged.
   */
  private serveChatBelowFastify(server: Server): void {
    const fallback = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    if (fallback.length === 0) throw new Error('GatewayHttp: the Fastify server has no request listener');
    server.removeAllListeners('request');
    const limit = this.options.maxBodyBytes;
    const chat: PostHandler = (req, res, caller, body) => this.chat.handle(req, res, caller, body);
    const responses: PostHandler = (req, res, caller, body) => this.responses.create(req, res, caller, body);
    const embeddings: PostHandler = (req, res, caller, body) =>
      this.embeddings.handle(req, res, caller, body);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? '';
      if (req.method === 'POST') {
        const handler = isPath(url, CHAT_PATH)
          ? chat
          : isPath(url, RESPONSES_PATH)
            ? responses
            : isPath(url, EMBEDDINGS_PATH)
              ? embeddings
              : null;
        if (handler) {
          this.postRequest(req, res, limit, handler);
          return;
        }
      }
      for (let i = 0; i < fallback.length; i++) fallback[i].call(server, req, res);
    });
  }

  private postRequest(req: IncomingMessage, res: ServerResponse, limit: number, handler: PostHandler): void {
    let caller: Caller;
    try {
      caller = this.auth.authenticate(req.headers.authorization);
      checkJsonContentType(req.headers['content-type']);
    } catch (error) {
      writeError(res, toGatewayError(error as GatewayError, this.logger));
      return;
    }
    readBody(req, limit, (error, body) => {
      if (error) {
        // A request stream error means the client is gone: there is nobody to answer.
        if (error instanceof GatewayError) writeError(res, error);
        else res.destroy();
        return;
      }
      if (jsonTooDeep(body!)) {
        writeError(
          res,
          new GatewayError('invalid_json', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`),
        );
        return;
      }
      try {
        handler(req, res, caller, body!);
      } catch (unexpected) {
        writeError(res, toGatewayError(unexpected as GatewayError, this.logger));
      }
    });
  }

  private sendError(reply: FastifyReply, error: GatewayError): void {
    if (reply.sent) return;
    reply.code(error.status);
    if (error.headers) reply.headers(error.headers);
    reply.type('application/json').send(JSON.stringify(error.body()));
  }
}

/** The path exactly, with or without a query string. */
function isPath(url: string, path: string): boolean {
  return url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 63); // '?'
}

function unknownRoute(method: string, url: string): GatewayError {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === '/admin' || path.startsWith('/admin/')) {
    // Embedded mode shares this listener with the admin API: its unknown paths (and OPTIONS, which no
    // admin route answers) get the admin API's 404, not the /v1 base-URL hint.
    return new GatewayError(
      'unknown_url',
      `Unknown admin URL: ${method} ${path}. The admin API is served under /admin/v1 (see its OpenAPI document).`,
      null,
      { type: 'not_found_error', code: 'not_found' },
    );
  }
  const known = Object.hasOwn(KNOWN_PATHS, path) ? KNOWN_PATHS[path] : undefined;
  const allowed =
    known ??
    (path.startsWith('/v1/models/')
      ? 'GET, HEAD'
      : path.startsWith(`${RESPONSES_PATH}/`)
        ? path.endsWith('/input_items')
          ? 'GET'
          : 'GET, DELETE'
        : undefined);
  if (allowed) {
    return new GatewayError(
      'method_not_allowed',
      `${method} is not supported on ${path}; use ${allowed}.`,
      null,
      {
        headers: { allow: allowed },
      },
    );
  }
  if (path.startsWith('/v1/')) {
    return new GatewayError('unknown_url', `Unknown request URL: ${method} ${path}. ${SERVED}`);
  }
  return new GatewayError(
    'unknown_url',
    `Unknown request URL: ${method} ${path}. The base URL must end in /v1 (for example https://<gateway host>/v1), and requests go to /v1/chat/completions.`,
  );
}

/** Fastify's own errors (parsing, limits) and ours, as OpenAI-shaped errors; never a stack, never a 500 for a client mistake. */
function toGatewayError(error: FastifyError | GatewayError, logger: Logger): GatewayError {
  if (error instanceof GatewayError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('request_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new GatewayError('request_too_large', 'The request body is too large.');
  if (status === 415) return new GatewayError('unsupported_media_type', 'Send the body as application/json.');
  if (error instanceof SyntaxError || (status >= 400 && status < 500)) {
    return new GatewayError(
      'invalid_json',
      'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.',
    );
  }
  const id = randomUUID();
  logger.error(`unhandled error ${id}: ${error.stack ?? error.message}`);
  return new GatewayError('internal_error', `Internal error (${id}).`);
}
