import {
  mergeOutcomes,
  type CompiledPolicy,
  type PolicyOutcome,
  type TextRedactor,
} from '../policy/policy-port';
import type { FieldEntry } from './chat-request-fields';

/**
 * Where text travels in a chat completion response (whole or streamed), and what the output policy does
 * with it. As for requests, every string of a choice's message (or delta) is text unless its position says
 * otherwise; what the gateway cannot scan is dropped whenever the output policy could redact or block
 * (CompiledPolicy.outputAlterable), so nothing a rule would have removed reaches the client another way.
 */
export const CHAT_RESPONSE_FIELDS: readonly FieldEntry[] = [
  { field: 'choices[].message.content', handling: 'scanned', note: 'streamed: delta.content' },
  { field: 'choices[].message.refusal', handling: 'scanned', note: 'streamed: delta.refusal' },
  {
    field: 'choices[].message.reasoning_content',
    handling: 'scanned',
    note: 'streamed: delta.reasoning_content; as every other string of a message or delta',
  },
  {
    field: 'choices[].message.tool_calls[].function.arguments',
    handling: 'scanned',
    note: 'streamed per tool-call index',
  },
  { field: 'choices[].message.function_call.arguments', handling: 'scanned', note: 'legacy' },
  {
    field: 'tool_calls[].id / type / function.name, function_call.name, role',
    handling: 'not-text',
    note: 'identifiers, passed as sent',
  },
  {
    field: 'choices[].logprobs (content[].token, bytes, top_logprobs)',
    handling: 'dropped',
    note: 'set to null when the output policy can redact or block',
  },
  {
    field: 'any other object in a message or delta (audio, annotations, ...)',
    handling: 'dropped',
    note: 'when the output policy can redact or block',
  },
  {
    field: 'stream events without choices',
    handling: 'dropped',
    note: "usage kept (if asked for); a provider's error event replaced by the gateway's",
  },
  { field: 'id, object, created, model, system_fingerprint, usage', handling: 'not-text', note: 'metadata' },
];

interface Message {
  [key: string]: unknown;
}

interface Choice {
  message?: Message;
  logprobs?: unknown;
  finish_reason?: string | null;
  [key: string]: unknown;
}

interface Completion {
  choices?: Choice[];
  [key: string]: unknown;
}

/**
 * Visits every text of a message (or a delta) in a fixed order as (path, text), replacing it with what
 * `visit` returns; other non-null values are deleted when `dropUnscanned`. Paths name the field a text
 * belongs to (content, refusal, tool:<index>, function_call), so a stream gets one redactor per field.
 */
export function visitMessageTexts(
  message: Message,
  dropUnscanned: boolean,
  visit: (path: string, text: string) => string,
): void {
  for (const key in message) {
    const value = message[key];
    if (key === 'role' || value === null || value === undefined) continue;
    if (typeof value === 'string') {
      message[key] = visit(key, value);
    } else if (key === 'tool_calls' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const call = value[i] as { index?: unknown; function?: { arguments?: unknown } } | null;
        const args = call?.function?.arguments;
        if (typeof args !== 'string') continue;
        const index = typeof call!.index === 'number' ? call!.index : i;
        call!.function!.arguments = visit(`tool:${index}`, args);
      }
    } else if (key === 'function_call' && typeof value === 'object') {
      const call = value as { arguments?: unknown };
      if (typeof call.arguments === 'string') call.arguments = visit('function_call', call.arguments);
    } else if (dropUnscanned) {
      delete message[key];
    }
  }
}

/**
 * Generated texts (all the assistant's), each judged alone and the outcomes merged: a stream judges each
 * streamed text alone, and a whole response must get what its stream would (no joints). Shared with the
 * Responses output path.
 */
export function evaluateEach(
  policy: CompiledPolicy,
  texts: readonly string[],
  bucketKey: string,
): { outcome: PolicyOutcome; texts: string[] } {
  if (texts.length <= 1)
    return policy.evaluate(
      texts.map((text) => ({ text, role: 'assistant' })),
      'output',
      bucketKey,
    );
  const results = texts.map((text) => policy.evaluate([{ text, role: 'assistant' }], 'output', bucketKey));
  return { outcome: mergeOutcomes(results.map((r) => r.outcome)), texts: results.map((r) => r.texts[0]) };
}

/**
 * The non-streamed output path: every text of every choice is evaluated as one output decision and
 * redacted in place when enforced. A block empties the choices and marks them finish_reason
 * "content_filter" (as OpenAI's own content filter does), so clients need no special case.
 */
export function applyOutputPolicy(
  completion: Completion,
  policy: CompiledPolicy,
  bucketKey: string,
): { outcome: PolicyOutcome; outputChars: number } {
  const choices = Array.isArray(completion.choices) ? completion.choices : [];
  const alterable = policy.outputAlterable(bucketKey);
  const texts: string[] = [];
  let outputChars = 0;
  for (const choice of choices) {
    if (alterable && choice.logprobs != null) choice.logprobs = null;
    if (!isMessage(choice.message)) continue;
    visitMessageTexts(choice.message, alterable, (_path, text) => {
      texts.push(text);
      outputChars += text.length;
      return text;
    });
  }
  const { outcome, texts: redacted } = evaluateEach(policy, texts, bucketKey);
  if (!outcome.enforced || outcome.decision === 'allow' || outcome.decision === 'flag')
    return { outcome, outputChars };
  if (outcome.decision === 'block') {
    for (const choice of choices) {
      if (isMessage(choice.message)) {
        const message = choice.message;
        for (const key in message) {
          if (key === 'content') message.content = '';
          else if (key === 'refusal') message.refusal = null;
          else if (key !== 'role') delete message[key];
        }
      }
      choice.logprobs = null;
      choice.finish_reason = 'content_filter';
    }
    return { outcome, outputChars };
  }
  let i = 0;
  for (const choice of choices) {
    if (isMessage(choice.message)) visitMessageTexts(choice.message, alterable, () => redacted[i++]);
  }
  return { outcome, outputChars };
}

/** Characters of generated text in a completion (the usage estimate when no policy ran). */
export function countOutputChars(completion: Completion): number {
  let chars = 0;
  const choices = Array.isArray(completion.choices) ? completion.choices : [];
  for (const choice of choices) {
    if (isMessage(choice.message))
      visitMessageTexts(choice.message, false, (_path, text) => ((chars += text.length), text));
  }
  return chars;
}

/**
 * One streamed choice's fields, each through its own streaming redactor, so a match split across chunks
 * is held back in whichever field it travels (the split-chunk guarantee holds per field).
 */
export class DeltaRedaction {
  private readonly redactors = new Map<string, TextRedactor>();
  /** Characters of generated text received. */
  outputChars = 0;
  blocked = false;

  constructor(
    private readonly policy: CompiledPolicy | null,
    private readonly bucketKey: string,
    private readonly alterable: boolean,
    private readonly finished: TextRedactor[],
  ) {}

  /** Redacts a delta in place; true when anything in it changed. */
  push(delta: Message): boolean {
    let changed = false;
    visitMessageTexts(delta, this.alterable, (path, text) => {
      if (text.length === 0 || this.blocked) return text;
      this.outputChars += text.length;
      const redactor = this.redactor(path);
      if (!redactor) return text;
      const released = redactor.push(text);
      if (redactor.blocked) this.blocked = true;
      if (released !== text) changed = true;
      return released;
    });
    return changed;
  }

  /** The choice finished: appends what the redactors still hold to `delta`; true when it added any. */
  flush(delta: Message): boolean {
    let changed = false;
    for (const [path, redactor] of this.redactors) {
      const tail = redactor.end();
      this.finished.push(redactor);
      if (redactor.blocked) {
        this.blocked = true;
        return false;
      }
      if (tail.length === 0) continue;
      changed = true;
      if (path.startsWith('tool:')) {
        const calls = (delta.tool_calls ??= []) as unknown[];
        calls.push({ index: Number(path.slice(5)), function: { arguments: tail } });
      } else if (path === 'function_call') {
        const call = (delta.function_call ??= {}) as { arguments?: string };
        call.arguments = (call.arguments ?? '') + tail;
      } else {
        delta[path] = (typeof delta[path] === 'string' ? (delta[path] as string) : '') + tail;
      }
    }
    this.redactors.clear();
    return changed;
  }

  outcomes(into: PolicyOutcome[]): void {
    for (const redactor of this.redactors.values()) into.push(redactor.outcome());
  }

  private redactor(path: string): TextRedactor | null {
    if (!this.policy) return null;
    let redactor = this.redactors.get(path);
    if (!redactor) {
      redactor = this.policy.streamRedactor('output', this.bucketKey);
      this.redactors.set(path, redactor);
    }
    return redactor;
  }
}

function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
