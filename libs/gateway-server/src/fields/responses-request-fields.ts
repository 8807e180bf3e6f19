import type { FieldEntry } from './chat-request-fields';
import { isRecord, visitFree, visitStrings, type RoleTextVisitor } from './free-text';

/**
 * Where text travels in a Responses API request (POST /v1/responses), and what the input policy does with
 * it. The rule is chat's: every string is text unless its position says otherwise, so an item type or
 * field OpenAI adds later is scanned the day it appears. Texts carry the role of their message (or
 * 'developer' for instructions, 'tool' for function-call outputs), ready for a role-aware policy.
 */
export const RESPONSES_REQUEST_FIELDS: readonly FieldEntry[] = [
  { field: 'input (string)', handling: 'scanned', note: "the user's message" },
  { field: 'instructions', handling: 'scanned', note: 'system/developer message' },
  { field: 'input[] message content (string)', handling: 'scanned', note: 'every role' },
  {
    field: 'input[] message content[].text',
    handling: 'scanned',
    note: 'input_text, and output_text of earlier assistant turns',
  },
  { field: 'input[] message content[].refusal', handling: 'scanned', note: 'earlier refusals' },
  {
    field: 'input[] content[].image_url / file_url / filename / file_id',
    handling: 'scanned',
    note: 'unless a data: URL',
  },
  { field: 'input[] function_call_output.output', handling: 'scanned', note: 'string or content parts' },
  { field: 'input[] function_call.arguments / name', handling: 'scanned', note: 'earlier tool calls' },
  { field: 'input[] reasoning.summary[].text', handling: 'scanned', note: 'earlier reasoning summaries' },
  { field: 'input[] (any other item type)', handling: 'scanned', note: 'every string but type, id, status' },
  { field: 'tools[] (name, description, parameters)', handling: 'scanned', note: 'every key and string' },
  { field: 'text.format (json_schema)', handling: 'scanned', note: 'every key and string' },
  { field: 'metadata', handling: 'scanned', note: 'keys and values' },
  { field: 'user', handling: 'scanned', note: 'also normalised; kept as policy_user (redacted if matched)' },
  { field: '(any other top-level field)', handling: 'scanned', note: 'every key and string' },
  { field: 'model', handling: 'not-text', note: 'routing key' },
  {
    field: 'previous_response_id',
    handling: 'not-text',
    note: "checked against the creating project; the upstream's stored turns are not re-scanned",
  },
  { field: 'input[] id, type, status, role, call_id', handling: 'not-text', note: 'identifiers' },
  {
    field: 'input[] reasoning.encrypted_content, content[].file_data, data: URLs',
    handling: 'not-text',
    note: 'opaque or base64, passed unscanned (the text policy cannot read it)',
  },
  { field: 'stream, store, background, include, max_output_tokens', handling: 'not-text', note: 'options' },
];

/** Top-level fields that are options or identifiers, not text. */
const NOT_TEXT_TOP = new Set([
  'model',
  'previous_response_id',
  'stream',
  'store',
  'background',
  'include',
  'max_output_tokens',
  'max_tool_calls',
  'parallel_tool_calls',
  'temperature',
  'top_p',
  'top_logprobs',
  'truncation',
  'service_tier',
  'reasoning',
  'stream_options',
]);
/** Identifier keys of an input item. */
const ITEM_IDS = new Set(['type', 'id', 'status', 'role', 'call_id']);
const PART_IDS = new Set(['type']);

/**
 * Visits every text of a parsed Responses request in a fixed order, replacing each with what `visit`
 * returns. Returns the characters of the prompt proper (input and instructions), for the token estimate.
 */
export function visitResponsesRequestTexts(body: Record<string, unknown>, visit: RoleTextVisitor): number {
  let chars = 0;
  const counted: RoleTextVisitor = (text, role) => ((chars += text.length), visit(text, role));
  for (const key in body) {
    if (NOT_TEXT_TOP.has(key)) continue;
    const value = body[key];
    if (key === 'input') {
      if (typeof value === 'string') body.input = counted(value, 'user');
      else if (Array.isArray(value)) for (const item of value) if (isRecord(item)) visitItem(item, counted);
    } else if (key === 'instructions') {
      if (typeof value === 'string') body.instructions = counted(value, 'developer');
    } else {
      body[key] = visitFree(value, visit);
    }
  }
  return chars;
}

function visitItem(item: Record<string, unknown>, visit: RoleTextVisitor): void {
  const type = item.type;
  const role = typeof item.role === 'string' ? item.role : null;
  if (type === 'function_call_output' || type === 'custom_tool_call_output') {
    for (const key in item) if (!ITEM_IDS.has(key)) item[key] = visitContent(item[key], 'tool', visit);
    return;
  }
  if (type === 'reasoning') {
    for (const key in item) {
      if (ITEM_IDS.has(key) || key === 'encrypted_content') continue;
      item[key] = visitStrings(item[key], visit, 'assistant', PART_IDS);
    }
    return;
  }
  if (type === 'item_reference') return;
  const itemRole = role ?? (type === 'function_call' ? 'assistant' : null);
  for (const key in item) {
    if (ITEM_IDS.has(key)) continue;
    item[key] =
      key === 'content' ? visitContent(item[key], itemRole, visit) : visitStrings(item[key], visit, itemRole);
  }
}

/** A message's content or a tool output: a string, or parts whose strings (but type and base64) are text. */
function visitContent(value: unknown, role: string | null, visit: RoleTextVisitor): unknown {
  if (typeof value === 'string') return visit(value, role);
  if (!Array.isArray(value)) return visitStrings(value, visit, role);
  for (const part of value) {
    if (!isRecord(part)) continue;
    for (const key in part) {
      if (key === 'type' || key === 'file_data') continue;
      const v = part[key];
      if (key === 'image_url' && typeof v === 'string' && v.startsWith('data:')) continue;
      part[key] = visitStrings(v, visit, role);
    }
  }
  return value;
}
