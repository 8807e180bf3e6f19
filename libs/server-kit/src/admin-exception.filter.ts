import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { openAiError, type OpenAiErrorBody } from '@pgw/contracts';
import { AdminApiException } from './admin-api.exception';

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): void;
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
};

/** Nest's and Fastify's own client errors (parsing, limits) by status. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  404: 'not_found',
  413: 'request_too_large',
  415: 'unsupported_media_type',
};

const RETRY_AFTER_SECONDS = 5;

/** Node's socket errors and Postgres's "connection exception" and shutdown states. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
const UNREACHABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Connection ended/i;

function hasSqlState(error: unknown): error is { name?: string; code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** The database is down or restarting (not a bad query): the truth is 503, and retrying helps. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
  };
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)))
    return true;
  if (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message)) return true;
  return driverError !== undefined && driverError !== error && isDatabaseUnavailable(driverError);
}

function describeDatabaseError(error: unknown): string {
  if (hasSqlState(error)) return `${error.name ?? 'Error'} (SQLSTATE ${error.code})`;
  if (error instanceof AggregateError) return error.errors.map(describeDatabaseError).join('; ');
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  return `${String(name ?? 'Error')}: ${String(message ?? '')}${typeof code === 'string' ? ` (${code})` : ''}`;
}

/**
 * Every admin error leaves in the same shape as the gateway's: `{ error: { message, type, param, code } }`.
 * A database that is down or restarting gives 503 `service_unavailable` with Retry-After. Unknown errors
 * become a 500 that names an id and hides internals; the id is logged with the error.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    const { status, body } = this.toResponse(exception);
    if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    reply.status(status).header('content-type', 'application/json').send(body);
  }

  private toResponse(exception: unknown): { status: number; body: OpenAiErrorBody } {
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${describeDatabaseError(exception)}`);
      return {
        status: 503,
        body: openAiError(
          'The service cannot reach its database right now; retry shortly.',
          'api_error',
          'service_unavailable',
        ),
      };
    }
    if (exception instanceof AdminApiException) {
      return {
        status: exception.status,
        body: openAiError(
          exception.message,
          TYPE_BY_STATUS[exception.status] ?? 'api_error',
          exception.code,
          exception.param,
        ),
      };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response && 'message' in response
          ? String((response as { message: unknown }).message)
          : exception.message;
      const code = CODE_BY_STATUS[status] ?? `http_${status}`;
      return { status, body: openAiError(message, TYPE_BY_STATUS[status] ?? 'invalid_request_error', code) };
    }
    const errorId = randomUUID();
    // A database error's message and properties can carry the query's values: its SQLSTATE code only.
    this.logger.error(
      `error ${errorId}: ${
        hasSqlState(exception)
          ? describeDatabaseError(exception)
          : exception instanceof Error
            ? exception.stack
            : String(exception)
      }`,
    );
    return {
      status: 500,
      body: openAiError(`Internal error (id ${errorId}).`, 'api_error', 'internal_error'),
    };
  }
}
