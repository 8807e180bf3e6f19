import { GatewayError } from '../errors/gateway-error';

/** A 400 that names the offending param (OpenAI's `invalid_value` shape). */
export function invalidParam(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, param, { code: 'invalid_value' });
}

/** What every /v1 body starts with: a JSON object with a non-empty `model`. */
export function objectWithModel(body: unknown): { record: Record<string, unknown>; model: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const record = body as Record<string, unknown>;
  const model = record.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw invalidParam('you must provide a model parameter (a non-empty string).', 'model');
  }
  return { record, model };
}
