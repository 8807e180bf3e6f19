import type { FastifyServerOptions } from 'fastify';
import { openAiError } from '@pgw/contracts';

/** The part of Fastify's reply used here (its generic reply type does not accept a plain status). */
interface PlainReply {
  code(status: number): PlainReply;
  type(contentType: string): PlainReply;
  send(body: string): unknown;
}

/**
 * Fastify's `frameworkErrors` option: a URL Fastify cannot decode (`%`, `%zz`, an escape of invalid
 * UTF-8) is refused by its router before any route or filter runs. Answer it in the one error shape
 * (`/v1` and `/admin` share it) instead of Fastify's own body. Pass it to every FastifyAdapter.
 */
export const answerFrameworkError: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  error,
  _request,
  reply,
) => {
  const badUrl = (error as { code?: unknown }).code === 'FST_ERR_BAD_URL';
  (reply as unknown as PlainReply)
    .code(400)
    .type('application/json')
    .send(
      JSON.stringify(
        openAiError(
          badUrl ? 'The request URL is not validly percent-encoded.' : 'The request could not be routed.',
          'invalid_request_error',
          badUrl ? 'invalid_url' : 'invalid_request',
        ),
      ),
    );
};
