import { invalidParam, objectWithModel } from '../endpoints/request-fields';
import { normaliseUser } from '../completions/chat-request';

export interface ResponsesRequest {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  user: string | null;
  previousResponseId: string | null;
  maxOutputTokens: number | null;
  /** Number of input items (per-item framing in the token estimate). */
  items: number;
}

/** Response ids as OpenAI issues them (resp_...); anything else cannot name a stored response. */
export const RESPONSE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** The fields the gateway relies on, checked by hand; the 400 names the offending param. */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  const { record, model } = objectWithModel(body);
  const input = record.input;
  if (input !== undefined && typeof input !== 'string' && !Array.isArray(input)) {
    throw invalidParam('input must be a string or an array of input items.', 'input');
  }
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const item = input[i] as unknown;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw invalidParam(`input[${i}] must be an object (an input item).`, `input[${i}]`);
      }
    }
  }
  const instructions = record.instructions;
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') {
    throw invalidParam('instructions must be a string.', 'instructions');
  }
  const stream = record.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    throw invalidParam('stream must be a boolean.', 'stream');
  }
  const previous = record.previous_response_id;
  if (
    previous !== undefined &&
    previous !== null &&
    (typeof previous !== 'string' || !RESPONSE_ID.test(previous))
  ) {
    throw invalidParam('previous_response_id must be a response id.', 'previous_response_id');
  }
  const tools = record.tools;
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) {
    throw invalidParam('tools must be an array.', 'tools');
  }
  const user = record.user;
  if (user !== undefined && user !== null && typeof user !== 'string')
    throw invalidParam('user must be a string.', 'user');
  const normalisedUser = typeof user === 'string' ? normaliseUser(user) : null;
  if (typeof user === 'string') {
    if (normalisedUser === null) delete record.user;
    else record.user = normalisedUser;
  }
  const max = record.max_output_tokens;
  return {
    body: record,
    model,
    stream: stream === true,
    user: normalisedUser,
    previousResponseId: typeof previous === 'string' ? previous : null,
    maxOutputTokens: typeof max === 'number' && Number.isSafeInteger(max) && max > 0 ? max : null,
    items: Array.isArray(input) ? input.length : 1,
  };
}
