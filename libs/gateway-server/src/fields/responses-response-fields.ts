import type { CompiledPolicy, PolicyOutcome } from '../policy/policy-port';
import type { FieldEntry } from './chat-request-fields';
import { evaluateEach } from './chat-response-fields';
import { isRecord } from './free-text';

/**
 * Where text travels in a Responses API response (a Response object, whole or as stream events), and what
 * the output policy does with it. Every text has a key naming its field (`<output_index>:<content_index>`
 * for output_text parts, `<output_index>:<content_index>:refusal` for refusals, `<output_index>:args` for function-call arguments, ...), so a stream
 * gets one redactor per field and every snapshot of that field (the .done events, output_item.done,
 * response.completed) carries exactly the text its deltas released.
 */
export const RESPONSES_RESPONSE_FIELDS: readonly FieldEntry[] = [
  {
    field: 'output[] message content[].text (output_text)',
    handling: 'scanned',
    note: 'streamed: response.output_text.delta / .done, content_part.done',
  },
  {
    field: 'output[] message content[].refusal',
    handling: 'scanned',
    note: 'streamed: response.refusal.delta / .done',
  },
  {
    field: 'output[] function_call.arguments',
    handling: 'scanned',
    note: 'streamed: response.function_call_arguments.delta / .done',
  },
  {
    field: 'output[] reasoning summary[].text, content[].text',
    handling: 'scanned',
    note: 'streamed: response.reasoning_summary_text.* / reasoning_text.*',
  },
  {
    field: 'output[] (any other item type)',
    handling: 'scanned',
    note: 'every string but type, id, status, call_id, name; whole, never streamed',
  },
  {
    field: 'output_text annotations[], logprobs[]; reasoning encrypted_content',
    handling: 'dropped',
    note: 'emptied when the output policy can redact or block',
  },
  {
    field: 'stream events of an unknown type',
    handling: 'dropped',
    note: "when the output policy can redact or block; a provider's error event is replaced by the gateway's",
  },
  { field: 'output[] id, type, status, role, call_id, name', handling: 'not-text', note: 'identifiers' },
  {
    field: 'instructions, tools, text, metadata, user (echoed)',
    handling: 'not-text',
    note: 'the request as the provider received it (judged by the input policy)',
  },
  { field: 'id, object, created_at, model, status, usage', handling: 'not-text', note: 'metadata' },
];

const ITEM_IDS = new Set(['type', 'id', 'status', 'role', 'call_id', 'name']);

/** Visits one text: its field key and text; returns the replacement. */
export type KeyedTextVisitor = (key: string, text: string) => string;

/**
 * Visits every text of a Response's `output` in a fixed order, replacing each with what `visit` returns.
 * When `alterable`, what the gateway cannot scan (annotations, logprobs, encrypted reasoning) is emptied.
 */
export function visitOutputTexts(output: unknown, alterable: boolean, visit: KeyedTextVisitor): void {
  if (!Array.isArray(output)) return;
  for (let oi = 0; oi < output.length; oi++) {
    const item = output[oi];
    if (isRecord(item)) visitOutputItem(item, oi, alterable, visit);
  }
}

export function visitOutputItem(
  item: Record<string, unknown>,
  oi: number,
  alterable: boolean,
  visit: KeyedTextVisitor,
): void {
  switch (item.type) {
    case 'message': {
      const content = item.content;
      if (!Array.isArray(content)) return;
      for (let ci = 0; ci < content.length; ci++) {
        const part = content[ci];
        if (isRecord(part)) visitPart(part, oi, ci, alterable, visit);
      }
      return;
    }
    case 'function_call':
      if (typeof item.arguments === 'string') item.arguments = visit(`${oi}:args`, item.arguments);
      return;
    case 'reasoning': {
      if (alterable && item.encrypted_content != null) item.encrypted_content = null;
      visitTextList(item.summary, (si, text) => visit(`${oi}:summary:${si}`, text));
      visitTextList(item.content, (ci, text) => visit(`${oi}:reasoning:${ci}`, text));
      return;
    }
    default: {
      let n = 0;
      for (const key in item) {
        if (!ITEM_IDS.has(key)) item[key] = visitAll(item[key], () => `${oi}:other:${n++}`, visit);
      }
    }
  }
}

/** One content part of a message: output_text's text, refusal's refusal; other parts every string. */
export function visitPart(
  part: Record<string, unknown>,
  oi: number,
  ci: number,
  alterable: boolean,
  visit: KeyedTextVisitor,
): void {
  const key = `${oi}:${ci}`;
  if (part.type === 'output_text') {
    if (typeof part.text === 'string') part.text = visit(key, part.text);
    if (alterable) {
      if (Array.isArray(part.annotations)) part.annotations = [];
      if (Array.isArray(part.logprobs)) part.logprobs = [];
    }
  } else if (part.type === 'refusal') {
    if (typeof part.refusal === 'string') part.refusal = visit(`${key}:refusal`, part.refusal);
  } else {
    let n = 0;
    for (const k in part) if (k !== 'type') part[k] = visitAll(part[k], () => `${key}:other:${n++}`, visit);
  }
}

/** A reasoning item's summary or content: [{type, text}]. */
function visitTextList(list: unknown, visit: (index: number, text: string) => string): void {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (isRecord(entry) && typeof entry.text === 'string') entry.text = visit(i, entry.text);
  }
}

function visitAll(value: unknown, nextKey: () => string, visit: KeyedTextVisitor): unknown {
  if (typeof value === 'string') return visit(nextKey(), value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visitAll(value[i], nextKey, visit);
  } else if (isRecord(value)) {
    for (const key in value) if (key !== 'type') value[key] = visitAll(value[key], nextKey, visit);
  }
  return value;
}

/**
 * A blocked output as the Responses API reports content filtering: status "incomplete" with
 * incomplete_details.reason "content_filter" and no output (nothing the policy blocked reaches the client).
 */
export function markBlocked(response: Record<string, unknown>): void {
  response.status = 'incomplete';
  response.incomplete_details = { reason: 'content_filter' };
  response.output = [];
  if ('output_text' in response) response.output_text = '';
}

/**
 * The non-streamed output path: every text of the output is evaluated as one output decision and redacted
 * in place when enforced; a block empties the output (markBlocked).
 */
export function applyResponsesOutputPolicy(
  response: Record<string, unknown>,
  policy: CompiledPolicy,
  bucketKey: string,
): { outcome: PolicyOutcome; outputChars: number } {
  const alterable = policy.outputAlterable(bucketKey);
  const texts: string[] = [];
  let outputChars = 0;
  visitOutputTexts(response.output, alterable, (_key, text) => {
    texts.push(text);
    outputChars += text.length;
    return text;
  });
  if (typeof response.output_text === 'string') texts.push(response.output_text);
  // Each text is the model's ('assistant') and judged alone, as its stream would judge it.
  const { outcome, texts: redacted } = evaluateEach(policy, texts, bucketKey);
  if (!outcome.enforced || outcome.decision === 'allow' || outcome.decision === 'flag')
    return { outcome, outputChars };
  if (outcome.decision === 'block') {
    markBlocked(response);
    return { outcome, outputChars };
  }
  let i = 0;
  visitOutputTexts(response.output, alterable, () => redacted[i++]);
  if (typeof response.output_text === 'string') response.output_text = redacted[i++];
  return { outcome, outputChars };
}

/** Characters of generated text in a Response (the usage estimate when no policy ran). */
export function countResponseOutputChars(response: Record<string, unknown>): number {
  let chars = 0;
  visitOutputTexts(response.output, false, (_key, text) => ((chars += text.length), text));
  return chars;
}
