import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/gateway-error';

/**
 * Plain node:http helpers for the hot route (POST /v1/chat/completions), which is served below Fastify:
 * measured on this machine, Fastify's request/reply pipeline cost ~90 µs of CPU per request, more than
 * the gateway's own policy work.
 */

/** Writes a complete JSON response; `headers` is a flat [name, value, ...] list. */
export function writeJson(
  res: ServerResponse,
  status: number,
  headers: string[],
  body: string | Buffer,
): void {
  headers.push(
    'content-type',
    'application/json',
    'content-length',
    String(typeof body === 'string' ? Buffer.byteLength(body) : body.length),
  );
  res.writeHead(status, headers);
  res.end(body);
}

/** An OpenAI-shaped error, unless something was already sent. */
export function writeError(res: ServerResponse, error: GatewayError, headers: string[] = []): void {
  if (res.headersSent || res.writableEnded) return;
  if (error.headers) for (const name in error.headers) headers.push(name, error.headers[name]);
  // A body we refuse to read (too large) must not be read to keep the connection: close it instead.
  if (error.kind === 'request_too_large') headers.push('connection', 'close');
  writeJson(res, error.status, headers, JSON.stringify(error.body()));
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export function checkJsonContentType(type: string | undefined): void {
  if (!type || !JSON_TYPE.test(type)) {
    throw new GatewayError(
      'unsupported_media_type',
      `Unsupported content type '${type ?? ''}': send the body as application/json.`,
    );
  }
}

export function tooLarge(): GatewayError {
  return new GatewayError('request_too_large', 'The request body is too large.');
}

/**
 * Reads the request body up to `limit` bytes and calls back once: with the bytes, or with a 413 error (the
 * rest of the body is left unread and the response closes the connection) or the stream's error.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (error: Error | null, body: Buffer | null) => void,
): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(tooLarge(), null);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  req.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size > limit) {
      settled = true;
      done(tooLarge(), null);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (settled) return;
    settled = true;
    done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
  req.on('error', (error) => {
    if (settled) return;
    settled = true;
    done(error, null);
  });
}

/** JSON.parse of the body, as the OpenAI API answers a malformed one. */
export function parseJsonBody(text: string): unknown {
  if (text.trim().length === 0) {
    throw new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewayError(
      'invalid_json',
      'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.',
    );
  }
  // Same stance as Fastify's parser: a "__proto__" key is refused (the rare body that has one pays the check).
  if (text.includes('__proto__') && hasProtoKey(body)) {
    throw new GatewayError('invalid_json', 'The request body has a forbidden "__proto__" key.');
  }
  return body;
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  for (const key of Object.keys(value)) if (hasProtoKey((value as Record<string, unknown>)[key])) return true;
  return false;
}
