import type { FieldEntry } from './chat-request-fields';
import { visitFree, type RoleTextVisitor } from './free-text';

/**
 * Where text travels in an embeddings request. `input` is the text to embed; token arrays (number[] or
 * number[][]) are token ids of the model's tokenizer, which the gateway does not run: the policy cannot
 * read them, so they are refused whenever the project has a policy (see EmbeddingsHandler).
 */
export const EMBEDDINGS_REQUEST_FIELDS: readonly FieldEntry[] = [
  {
    field: 'input (string)',
    handling: 'scanned',
    note: "role 'user'; redacted before the provider; a block is a 403",
  },
  { field: 'input[] (strings)', handling: 'scanned', note: "each string its own text, role 'user'" },
  {
    field: 'input (token arrays: number[] / number[][])',
    handling: 'not-text',
    note: 'refused with 400 unscannable_input when the project has a policy; passed only without one',
  },
  {
    field: 'user',
    handling: 'scanned',
    note: "role 'field'; also normalised; kept as policy_user (redacted if matched)",
  },
  { field: '(any other top-level field)', handling: 'scanned', note: "every key and string, role 'field'" },
  { field: 'model', handling: 'not-text', note: 'routing key' },
  { field: 'encoding_format, dimensions', handling: 'not-text', note: 'passed as sent (float and base64)' },
];

const NOT_TEXT = new Set(['model', 'encoding_format', 'dimensions']);

/** Every text of an embeddings request in a fixed order (string inputs first), replaced by `visit`'s result. */
export function visitEmbeddingsTexts(body: Record<string, unknown>, visit: RoleTextVisitor): void {
  const input = body.input;
  // The text to embed is the caller's own, judged like a user message.
  if (typeof input === 'string') body.input = visit(input, 'user');
  else if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      if (typeof input[i] === 'string') input[i] = visit(input[i] as string, 'user');
    }
  }
  for (const key in body) {
    if (key === 'input' || NOT_TEXT.has(key)) continue;
    body[key] = visitFree(body[key], visit);
  }
}
