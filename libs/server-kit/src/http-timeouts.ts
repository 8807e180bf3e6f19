import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';

/** Timeouts of one HTTP listener, in milliseconds (docs/security-limits.md). */
export interface HttpTimeouts {
  /** Until the request's headers are all in (slow-headers attacks). */
  headersMs: number;
  /** Until the whole request, body included, is in (slow-body attacks); the response may take longer. */
  requestMs: number;
  /** A socket with no traffic either way for this long is closed. */
  idleMs: number;
  /** An idle keep-alive connection between requests is closed after this long. */
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 120_000,
  keepAliveMs: 5_000,
});

const ENV_NAMES: Readonly<Record<keyof HttpTimeouts, string>> = {
  headersMs: 'HTTP_HEADERS_TIMEOUT_MS',
  requestMs: 'HTTP_REQUEST_TIMEOUT_MS',
  idleMs: 'HTTP_IDLE_TIMEOUT_MS',
  keepAliveMs: 'HTTP_KEEP_ALIVE_TIMEOUT_MS',
};

/** The timeouts from HTTP_*_TIMEOUT_MS (whole milliseconds, 1 ms to 1 day); throws on a bad value. */
export function httpTimeoutsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  defaults: Readonly<HttpTimeouts> = DEFAULT_HTTP_TIMEOUTS,
): HttpTimeouts {
  const out = { ...defaults };
  for (const key of Object.keys(ENV_NAMES) as (keyof HttpTimeouts)[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 86_400_000) {
      throw new Error(`${ENV_NAMES[key]} must be a whole number of milliseconds from 1 to 86400000`);
    }
    out[key] = value;
  }
  if (out.headersMs > out.requestMs) {
    throw new Error(`${ENV_NAMES.headersMs} must not exceed ${ENV_NAMES.requestMs}`);
  }
  return out;
}

const CLIENT_ERRORS: Readonly<Record<string, [number, string, string, string]>> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'The request headers are too large.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'The request was not received in time.',
  ],
};

/**
 * What Node answers before any route sees the request (oversized headers, unparsable HTTP, a request
 * not received in time): the one error shape of every API here, `{error:{message,type,param,code}}`.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || (inFlight && inFlight.headersSent)) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'invalid_http',
    'The request could not be parsed as HTTP/1.1.',
  ];
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * A Fastify `serverFactory` for a plain HTTP/1.1 server with these timeouts (Fastify's own defaults have
 * no request timeout worth the name). Expired requests are checked every second, not every 30.
 */
export function timedServerFactory(timeouts: HttpTimeouts): (handler: RequestListener) => Server {
  return (handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>) => {
    const server = createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
      },
      handler,
    );
    server.setTimeout(timeouts.idleMs);
    server.on('clientError', answerClientError);
    return server;
  };
}
