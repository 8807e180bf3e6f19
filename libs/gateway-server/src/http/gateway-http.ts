import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeyAuthenticator, type Caller } from '../auth/key-authenticator';
import { ChatCompletionsHandler } from '../completions/chat-completions.handler';
import { ModelsHandler } from '../completions/models.handler';
import { GATEWAY_OPTIONS, type ResolvedGatewayOptions } from '../gateway-server.options';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Readiness } from '../state/readiness';
import { GatewayError } from './gateway-error';

declare module 'fastify' {
  interface FastifyRequest {
    pgwCaller: Caller | null;
  }
}

const KNOWN_PATHS: Record<string, string> = { '/v1/chat/completions': 'POST', '/v1/models': 'GET, HEAD' };

/**
 * Registers the gateway's HTTP surface directly on the Fastify instance at bootstrap. The hot routes do
 * not go through Nest's router, guards, pipes or interceptors: measured, that pipeline costs more than the
 * rest of the gateway's own work per request. Errors are mapped by a route-level error handler, so they
 * come out OpenAI-shaped whatever else shares the Fastify instance (embedded mode). Nest owns the
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
    private readonly readiness: Readiness,
    private readonly metrics: GatewayMetrics,
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
    const requireJson = async (request: FastifyRequest) => {
      const type = request.headers['content-type'];
      if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
        throw new GatewayError(
          'unsupported_media_type',
          `Unsupported content type '${type ?? ''}': send the body as application/json.`,
        );
      }
    };

    fastify.route({
      method: 'POST',
      url: '/v1/chat/completions',
      bodyLimit: this.options.maxBodyBytes,
      errorHandler,
      onRequest: [authenticate, requireJson],
      handler: (request, reply) => this.chat.handle(request, reply, request.pgwCaller as Caller),
    });
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
    fastify.route({
      method: 'GET',
      url: '/metrics',
      errorHandler,
      handler: async (_request, reply) => {
        reply.type('text/plain; version=0.0.4; charset=utf-8').send(this.metrics.registry.render());
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

  private sendError(reply: FastifyReply, error: GatewayError): void {
    if (reply.sent) return;
    reply.code(error.status);
    if (error.headers) reply.headers(error.headers);
    reply.type('application/json').send(JSON.stringify(error.body()));
  }
}

function unknownRoute(method: string, url: string): GatewayError {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const allowed = KNOWN_PATHS[path];
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
    return new GatewayError(
      'unknown_url',
      `Unknown request URL: ${method} ${path}. This gateway serves /v1/chat/completions and /v1/models.`,
    );
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
