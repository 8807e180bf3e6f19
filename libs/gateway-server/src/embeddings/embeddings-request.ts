import { invalidParam, objectWithModel } from '../endpoints/request-fields';
import { normaliseUser } from '../completions/chat-request';

export interface EmbeddingsRequest {
  body: Record<string, unknown>;
  model: string;
  /** The input is token ids (number[] or number[][]), which the text policy cannot read. */
  tokenInput: boolean;
  /** Characters of string input, or token ids of token input (the usage estimate). */
  inputSize: number;
  user: string | null;
}

/** OpenAI's limit on inputs per request. */
const MAX_INPUTS = 2048;
const ENCODINGS = new Set(['float', 'base64']);

/** The fields the gateway relies on, checked by hand; the 400 names the offending param. */
export function parseEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  const { record, model } = objectWithModel(body);
  const { tokenInput, inputSize } = checkInput(record.input);
  const format = record.encoding_format;
  if (format !== undefined && format !== null && !(typeof format === 'string' && ENCODINGS.has(format))) {
    throw invalidParam("encoding_format must be 'float' or 'base64'.", 'encoding_format');
  }
  const user = record.user;
  if (user !== undefined && user !== null && typeof user !== 'string')
    throw invalidParam('user must be a string.', 'user');
  const normalisedUser = typeof user === 'string' ? normaliseUser(user) : null;
  if (typeof user === 'string') {
    if (normalisedUser === null) delete record.user;
    else record.user = normalisedUser;
  }
  return { body: record, model, tokenInput, inputSize, user: normalisedUser };
}

function checkInput(input: unknown): { tokenInput: boolean; inputSize: number } {
  const message =
    'input must be a non-empty string, an array of non-empty strings, an array of token ids or an array of token id arrays.';
  if (typeof input === 'string') {
    if (input.length === 0) throw invalidParam(message, 'input');
    return { tokenInput: false, inputSize: input.length };
  }
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_INPUTS) {
    throw invalidParam(`${message} (at most ${MAX_INPUTS} inputs)`, 'input');
  }
  if (typeof input[0] === 'string') {
    let chars = 0;
    for (const item of input) {
      if (typeof item !== 'string' || item.length === 0) throw invalidParam(message, 'input');
      chars += item.length;
    }
    return { tokenInput: false, inputSize: chars };
  }
  if (typeof input[0] === 'number') {
    if (!input.every(isTokenId)) throw invalidParam(message, 'input');
    return { tokenInput: true, inputSize: input.length };
  }
  let tokens = 0;
  for (const item of input) {
    if (!Array.isArray(item) || item.length === 0 || !item.every(isTokenId))
      throw invalidParam(message, 'input');
    tokens += item.length;
  }
  return { tokenInput: true, inputSize: tokens };
}

function isTokenId(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
