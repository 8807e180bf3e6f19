import type { TextRole } from '../policy/policy-port';
import type { FieldEntry, MediaVisitor } from './chat-request-fields';
import { isRecord, visitFree, visitStrings, type RoleTextVisitor } from './free-text';
import { dataUrlText, fileDataText, isDataUrl, visitEmbedded } from './media-text';

/**
 * Where text travels in a Responses API request (POST /v1/responses), and what the input policy does with
 * it. The rule is chat's: every string is text unless its position says otherwise, so an item type or
 * field OpenAI adds later is scanned the day it appears. Each text carries its role (policy-port TextRole):
 * a message's own role; 'developer' for `instructions` (OpenAI: "a system (or developer) message inserted
 * into the model's context"; developer is the role its current models give the application's
 * instructions); 'tool' for what a tool returned (function_call_output and the other *_output items, the
 * output/results of built-in tool calls); 'assistant' for earlier model turns (tool calls, reasoning);
 * 'field' for everything outside the conversation (tools, text.format, metadata, user).
 */
export const RESPONSES_REQUEST_FIELDS: readonly FieldEntry[] = [
  { field: 'input (string)', handling: 'scanned', note: "the user's message, role 'user'" },
  { field: 'instructions', handling: 'scanned', note: "system/developer message, role 'developer'" },
  {
    field: 'input[] message content (string)',
    handling: 'scanned',
    note: "the message's role (system, developer, user, assistant; another is judged as 'user')",
  },
  {
    field: 'input[] message content[].text',
    handling: 'scanned',
    note: 'input_text, and output_text of earlier assistant turns',
  },
  { field: 'input[] message content[].refusal', handling: 'scanned', note: 'earlier refusals' },
  {
    field: 'input[] content[].image_url / file_url / filename / file_id',
    handling: 'scanned',
    note: 'unless a data: URL (as text; what a URL or file_id names is media, below)',
  },
  {
    field: 'input[] content[].file_data / image_url (data: URL) of a text type',
    handling: 'scanned',
    note: "text/*, JSON, XML, YAML, CSV (bare base64: by file name) decoded, scanned with the item's role, re-encoded if redacted",
  },
  {
    field: 'input[] function_call_output.output',
    handling: 'scanned',
    note: "string or content parts, role 'tool' (so are other *_output items)",
  },
  {
    field: 'input[] function_call.arguments / name',
    handling: 'scanned',
    note: "earlier tool calls, role 'assistant' (other *_call items too; their output/results 'tool')",
  },
  {
    field: 'input[] reasoning.summary[].text',
    handling: 'scanned',
    note: "earlier reasoning summaries, role 'assistant'",
  },
  {
    field: 'input[] (any other item type)',
    handling: 'scanned',
    note: "every string but type, id, status; its role, else 'field'",
  },
  {
    field: 'tools[] (name, description, parameters)',
    handling: 'scanned',
    note: "every key and string, role 'field'",
  },
  { field: 'text.format (json_schema)', handling: 'scanned', note: "every key and string, role 'field'" },
  { field: 'metadata', handling: 'scanned', note: "keys and values, role 'field'" },
  {
    field: 'user',
    handling: 'scanned',
    note: "role 'field'; also normalised; kept as policy_user (redacted if matched)",
  },
  { field: '(any other top-level field)', handling: 'scanned', note: "every key and string, role 'field'" },
  { field: 'model', handling: 'not-text', note: 'routing key' },
  {
    field: 'previous_response_id',
    handling: 'not-text',
    note: "checked against the creating project; the upstream's stored turns are not re-scanned",
  },
  { field: 'input[] id, type, status, role, call_id', handling: 'not-text', note: 'identifiers' },
  {
    field: 'input[] content[] images, other file_data, file_id, file_url, input_audio.data',
    handling: 'not-text',
    note: 'media the policy cannot read: passed, or the request blocked with `media: block`',
  },
  {
    field: 'input[] reasoning.encrypted_content',
    handling: 'not-text',
    note: 'opaque, passed unscanned (the text policy cannot read it)',
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
/** The roles of a Responses message (EasyInputMessage and message items). */
const MESSAGE_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant']);
/** Keys of a built-in tool call item (mcp_call, file_search_call...) that hold what the tool returned. */
const TOOL_RESULT_KEYS = new Set(['output', 'results']);

/** Content-part keys that name media the gateway never sees (the provider fetches it or holds it). */
const MEDIA_REFERENCES = new Set(['image_url', 'file_url', 'file_id']);

const NO_MEDIA: MediaVisitor = () => undefined;

/**
 * Visits every text of a parsed Responses request in a fixed order, replacing each with what `visit`
 * returns, text files inside `file_data` and data: URLs included (decoded; re-encoded when replaced);
 * `media` is called once per media reference the policy cannot read. Returns the characters of the prompt
 * proper (input and instructions), for the token estimate.
 */
export function visitResponsesRequestTexts(
  body: Record<string, unknown>,
  visit: RoleTextVisitor,
  media: MediaVisitor = NO_MEDIA,
): number {
  let chars = 0;
  const counted: RoleTextVisitor = (text, role) => ((chars += text.length), visit(text, role));
  for (const key in body) {
    if (NOT_TEXT_TOP.has(key)) continue;
    const value = body[key];
    if (key === 'input') {
      if (typeof value === 'string') body.input = counted(value, 'user');
      else if (Array.isArray(value))
        for (const item of value) if (isRecord(item)) visitItem(item, counted, media);
    } else if (key === 'instructions') {
      if (typeof value === 'string') body.instructions = counted(value, 'developer');
    } else {
      body[key] = visitFree(value, visit);
    }
  }
  return chars;
}

function visitItem(item: Record<string, unknown>, visit: RoleTextVisitor, media: MediaVisitor): void {
  const type = typeof item.type === 'string' ? item.type : 'message';
  // What a tool returned: function_call_output, custom_tool_call_output, computer_call_output...
  if (type.endsWith('_output')) {
    for (const key in item) if (!ITEM_IDS.has(key)) item[key] = visitContent(item[key], 'tool', visit, media);
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
  // A tool call the model made earlier (function_call, mcp_call, web_search_call...): its arguments are the
  // model's, what a built-in tool returned in the same item is the tool's.
  const call = type.endsWith('_call');
  const itemRole = call ? 'assistant' : roleOf(item.role, type);
  for (const key in item) {
    if (ITEM_IDS.has(key)) continue;
    const role = call && TOOL_RESULT_KEYS.has(key) ? 'tool' : itemRole;
    item[key] =
      key === 'content' ? visitContent(item[key], role, visit, media) : visitStrings(item[key], visit, role);
  }
}

/**
 * The role of a message item; a role OpenAI does not define is judged as the caller's ('user'): the
 * caller wrote it. An item of another type without a role is request structure ('field').
 */
function roleOf(role: unknown, type: string): TextRole {
  if (typeof role === 'string') return MESSAGE_ROLES.has(role) ? (role as TextRole) : 'user';
  return type === 'message' ? 'user' : 'field';
}

/**
 * A message's content or a tool output: a string, or parts whose strings (but type) are text. A text file
 * (`file_data`, a data: URL `image_url`) is decoded and judged with the item's role; other media, and the
 * files and images a URL or file_id names, are reported to `media`.
 */
function visitContent(value: unknown, role: TextRole, visit: RoleTextVisitor, media: MediaVisitor): unknown {
  if (typeof value === 'string') return visit(value, role);
  if (!Array.isArray(value)) return visitStrings(value, visit, role);
  const inRole = (text: string) => visit(text, role);
  for (const part of value) {
    if (!isRecord(part)) continue;
    for (const key in part) {
      if (key === 'type') continue;
      const v = part[key];
      if (key === 'file_data' && typeof v === 'string') {
        part[key] = visitEmbedded(v, fileDataText(v, part.filename), inRole, media);
      } else if (key === 'image_url' && typeof v === 'string' && isDataUrl(v)) {
        part[key] = visitEmbedded(v, dataUrlText(v), inRole, media);
      } else if (key === 'input_audio' && isRecord(v)) {
        for (const k in v) {
          if (k === 'data') media();
          else v[k] = visitStrings(v[k], visit, role);
        }
      } else {
        // A remote image or file, or one uploaded to the provider: its reference is text, its content media.
        if (MEDIA_REFERENCES.has(key) && typeof v === 'string' && v.length > 0) media();
        part[key] = visitStrings(v, visit, role);
      }
    }
  }
  return value;
}
