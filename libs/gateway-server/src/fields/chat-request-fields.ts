import type { TextRole } from '../policy/policy-port';
import { dataUrlText, fileDataText, isDataUrl, visitEmbedded } from './media-text';

/**
 * Where text travels in a chat completion request, and what the input policy does with it.
 *
 * The rule is "every string is text unless its position says otherwise": the walker below visits every
 * string value of the body (and every key of the free-form objects outside `messages`), except the few
 * positions listed as not text. So a field OpenAI adds tomorrow is scanned the day it appears, and
 * CHAT_REQUEST_FIELDS is the documented list of what that covers today (docs/privacy.md is built from it;
 * chat-request-fields.spec.ts puts a canary in each entry and proves the walker reaches it).
 *
 * Each text is visited with its role (TextRole): everything inside a message with the message's role
 * (a tool result is `tool`, an assistant's tool-call arguments `assistant`), everything else as `field`.
 * The texts come in body order, so consecutive messages are consecutive segments for the policy.
 */
export type RequestFieldHandling =
  /** Judged by the input policy and redacted in place (the provider gets the redacted value). */
  | 'scanned'
  /** Not text: validated, routed or passed as media the text policy cannot read. */
  | 'not-text'
  /** Removed from what goes on (responses only: fields the policy cannot scan when it could redact or block). */
  | 'dropped';

export interface FieldEntry {
  readonly field: string;
  readonly handling: RequestFieldHandling;
  readonly note: string;
}

export const CHAT_REQUEST_FIELDS: readonly FieldEntry[] = [
  {
    field: 'messages[].content (string)',
    handling: 'scanned',
    note: "every role, tool results included; judged with the message's role",
  },
  { field: 'messages[].content[].text', handling: 'scanned', note: 'text parts' },
  { field: 'messages[].content[].refusal', handling: 'scanned', note: 'assistant refusal parts' },
  { field: 'messages[].content[].image_url.url', handling: 'scanned', note: 'unless a data: URL' },
  { field: 'messages[].content[].file.filename', handling: 'scanned', note: 'and file_id' },
  { field: 'messages[].content[] (any other part type)', handling: 'scanned', note: 'every string but type' },
  { field: 'messages[].name', handling: 'scanned', note: 'participant names' },
  { field: 'messages[].refusal', handling: 'scanned', note: 'assistant turns' },
  { field: 'messages[].tool_calls[].function.arguments', handling: 'scanned', note: 'and name, id' },
  { field: 'messages[].function_call.arguments', handling: 'scanned', note: 'legacy; and name' },
  { field: 'messages[].tool_call_id', handling: 'scanned', note: 'tool results' },
  { field: 'tools[].function.description', handling: 'scanned', note: 'and name' },
  { field: 'tools[].function.parameters', handling: 'scanned', note: 'every key and string of the schema' },
  { field: 'functions[].description / parameters', handling: 'scanned', note: 'legacy, as tools' },
  { field: 'response_format.json_schema', handling: 'scanned', note: 'every key and string' },
  { field: 'prediction.content', handling: 'scanned', note: 'string or text parts' },
  { field: 'metadata', handling: 'scanned', note: 'keys and values' },
  { field: 'user', handling: 'scanned', note: 'also normalised; kept as policy_user (redacted if matched)' },
  { field: 'stop', handling: 'scanned', note: 'string or list' },
  { field: '(any other top-level field)', handling: 'scanned', note: 'every key and string' },
  { field: 'model', handling: 'not-text', note: 'routing key; recorded only when routed' },
  { field: 'messages[].role', handling: 'not-text', note: 'validated enum' },
  { field: 'messages[].content[].type', handling: 'not-text', note: 'part type' },
  {
    field: 'messages[].content[].file.file_data / image_url.url (data: URL) of a text type',
    handling: 'scanned',
    note: 'text/*, JSON, XML, YAML, CSV (bare base64: by file name) decoded, scanned, re-encoded if redacted',
  },
  {
    field: 'messages[].content[].input_audio.data / image_url / other file_data / file_id',
    handling: 'not-text',
    note: 'media the policy cannot read: passed, or the request blocked with `media: block`',
  },
];

/** Returns the replacement for a text (the same string when unchanged); `role` says who wrote it. */
export type TextVisitor = (text: string, role: TextRole) => string;

/** The roles parseChatRequest accepts, as policy roles. */
const MESSAGE_ROLES: ReadonlySet<string> = new Set([
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
]);

/** Binds a role to a visitor, for walkers that only pass the text. */
type RoleVisit = (text: string) => string;

/** Called once per media part the policy cannot read (an image, audio, a file that is not text). */
export type MediaVisitor = () => void;

const NO_MEDIA: MediaVisitor = () => undefined;

/**
 * Visits every text of a parsed chat request in a fixed order, replacing each with what `visit` returns,
 * text files inside data: URLs and `file_data` included (decoded; re-encoded when replaced). Returns the
 * characters of the prompt proper (message contents), for the token estimate.
 */
export function visitRequestTexts(
  body: Record<string, unknown>,
  visit: TextVisitor,
  media: MediaVisitor = NO_MEDIA,
): number {
  let promptChars = 0;
  for (const key in body) {
    const value = body[key];
    if (key === 'model') continue;
    if (key === 'messages' && Array.isArray(value)) {
      for (const message of value as Record<string, unknown>[]) {
        // parseChatRequest validated the role; anything else would be judged as a request field.
        const role = (MESSAGE_ROLES.has(message.role as string) ? message.role : 'field') as TextRole;
        promptChars += visitMessage(message, (text) => visit(text, role), media);
      }
      continue;
    }
    body[key] = visitFree(value, (text) => visit(text, 'field'));
  }
  return promptChars;
}

function visitMessage(message: Record<string, unknown>, visit: RoleVisit, media: MediaVisitor): number {
  let chars = 0;
  for (const key in message) {
    if (key === 'role') continue;
    const value = message[key];
    if (key === 'content') {
      if (typeof value === 'string') {
        chars += value.length;
        const replaced = visit(value);
        if (replaced !== value) message.content = replaced;
      } else if (Array.isArray(value)) {
        for (const part of value as Record<string, unknown>[]) {
          if (part.type === 'text' && typeof part.text === 'string') chars += part.text.length;
          visitPart(part, visit, media);
        }
      }
      continue;
    }
    message[key] = visitStrings(value, visit);
  }
  return chars;
}

/** A content part: every string but its type; text files decoded; other media reported. */
function visitPart(part: Record<string, unknown>, visit: RoleVisit, media: MediaVisitor): void {
  for (const key in part) {
    if (key === 'type') continue;
    const value = part[key];
    if (key === 'input_audio' && isRecord(value)) {
      for (const k in value) {
        if (k === 'data') media();
        else value[k] = visitStrings(value[k], visit);
      }
    } else if (key === 'file' && isRecord(value)) {
      for (const k in value) {
        const v = value[k];
        if (k === 'file_data' && typeof v === 'string') {
          value[k] = visitEmbedded(v, fileDataText(v, value.filename), visit, media);
        } else {
          // A file id names content uploaded to the provider, which the gateway never sees.
          if (k === 'file_id') media();
          value[k] = visitStrings(v, visit);
        }
      }
    } else if (key === 'image_url' && isRecord(value)) {
      for (const k in value) {
        const v = value[k];
        if (k === 'url' && typeof v === 'string' && isDataUrl(v)) {
          value[k] = visitEmbedded(v, dataUrlText(v), visit, media);
        } else {
          // A remote image: its URL is text, the picture it names is media.
          if (k === 'url') media();
          value[k] = visitStrings(v, visit);
        }
      }
    } else {
      part[key] = visitStrings(value, visit);
    }
  }
}

/** Every string value below `value` (object keys are structure here). */
function visitStrings(value: unknown, visit: RoleVisit): unknown {
  if (typeof value === 'string') return visit(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visitStrings(value[i], visit);
  } else if (isRecord(value)) {
    for (const key in value) value[key] = visitStrings(value[key], visit);
  }
  return value;
}

/** Every string value and every key below `value` (free-form objects: metadata, JSON schemas, extensions). */
function visitFree(value: unknown, visit: RoleVisit): unknown {
  if (typeof value === 'string') return visit(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visitFree(value[i], visit);
    return value;
  }
  if (!isRecord(value)) return value;
  let renamed = false;
  const entries: [string, unknown][] = [];
  for (const key in value) {
    const newKey = visit(key);
    if (newKey !== key) renamed = true;
    entries.push([newKey, visitFree(value[key], visit)]);
  }
  if (!renamed) {
    for (const [key, v] of entries) value[key] = v;
    return value;
  }
  return Object.fromEntries(entries);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
