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

/**
 * Every admin error leaves in the same shape as the gateway's: `{ error: { message, type, param, code } }`.
 * Unknown errors become a 500 that names an id and hides internals; the id is logged with the error.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    const { status, body } = this.toResponse(exception);
    reply.status(status).header('content-type', 'application/json').send(body);
  }

  private toResponse(exception: unknown): { status: number; body: OpenAiErrorBody } {
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
      const code = status === 404 ? 'not_found' : status === 400 ? 'invalid_request' : `http_${status}`;
      return { status, body: openAiError(message, TYPE_BY_STATUS[status] ?? 'invalid_request_error', code) };
    }
    const errorId = randomUUID();
    this.logger.error(
      `error ${errorId}: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    return {
      status: 500,
      body: openAiError(`Internal error (id ${errorId}).`, 'api_error', 'internal_error'),
    };
  }
}
