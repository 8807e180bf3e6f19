import {
  mergeOutcomes,
  type CompiledPolicy,
  type PolicyOutcome,
  type TextRedactor,
} from '../policy/policy-port';

import { GatewayError } from '../errors/gateway-error';
import type { ProviderUsage } from '../settlement/request-record';
import type { StreamRedactionStage } from '../exchange/response-stages';
import { DeltaRedaction } from '../fields/chat-response-fields';

/**
 * Longest upstream SSE event (characters) the gateway waits for the end of. A provider that never ends an
 * event would otherwise grow this buffer without bound; past it the stream ends with an error event.
 */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024;

interface ChunkChoice {
  index: number;
  delta?: { [key: string]: unknown };
  logprobs?: unknown;
  finish_reason?: string | null;
  [key: string]: unknown;
}

interface Chunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: ChunkChoice[];
  usage?: ProviderUsage | null;
  error?: unknown;
  [key: string]: unknown;
}

interface ChoiceState {
  fields: DeltaRedaction;
  finished: boolean;
}

/**
 * The streaming redaction (chat completions' streamed output path): parses the upstream's SSE incrementally and, per choice (and per tool-call
 * arguments), runs a streaming redactor, so each emitted chunk carries only text the redactor released.
 * A secret split across upstream chunks is held back until it can be masked. On a block it ends the
 * stream the way OpenAI's content filter does: finish_reason "content_filter", then [DONE].
 * Enforcement (shadow, canary) is the redactor's: when not enforced it releases the original text and
 * never blocks, and its decision is still recorded.
 */
export class StreamingRedaction implements StreamRedactionStage {
  private pending = '';
  private readonly choices = new Map<number, ChoiceState>();
  private template: Chunk | null = null;
  private usageChunk: Chunk | null = null;
  usage: ProviderUsage | null = null;
  /** Characters of generated text received (for the usage estimate when the provider gives none). */
  outputChars = 0;
  blocked = false;
  done = false;
  private readonly finishedRedactors: TextRedactor[] = [];
  /** Output the policy could redact or block: what it cannot scan (logprobs, other objects) is dropped. */
  private readonly alterable: boolean;

  constructor(
    private readonly policy: CompiledPolicy | null,
    private readonly bucketKey: string,
    private readonly includeUsage: boolean,
    private readonly emit: (sse: string) => void,
  ) {
    this.alterable = policy?.outputAlterable(bucketKey) ?? false;
  }

  /** Feeds raw upstream bytes (decoded). Returns false once the stream must stop (blocked or done). */
  write(text: string): boolean {
    this.pending += text.indexOf('\r') === -1 ? text : text.replace(/\r/g, '');
    let boundary: number;
    while (!this.blocked && !this.done && (boundary = this.pending.indexOf('\n\n')) !== -1) {
      const event = this.pending.slice(0, boundary);
      this.pending = this.pending.slice(boundary + 2);
      this.onEvent(event);
    }
    if (this.pending.length > MAX_SSE_EVENT_CHARS && !this.blocked && !this.done) {
      this.pending = '';
      throw new GatewayError(
        'upstream_error',
        `The upstream provider sent a stream event longer than ${MAX_SSE_EVENT_CHARS} characters; the response was ended.`,
        null,
        { code: 'upstream_event_too_large' },
      );
    }
    return !this.blocked && !this.done;
  }

  /** Upstream ended cleanly: flush what is held back, then the usage chunk (if asked) and [DONE]. */
  end(): void {
    if (this.blocked || this.done) return;
    if (this.pending.trim().length > 0) this.onEvent(this.pending);
    this.pending = '';
    if (this.blocked || this.done) return;
    this.finish();
  }

  /** The decision over everything evaluated so far (for the output decision event). */
  outcome(): PolicyOutcome {
    const outcomes: PolicyOutcome[] = this.finishedRedactors.map((r) => r.outcome());
    for (const state of this.choices.values()) state.fields.outcomes(outcomes);
    return mergeOutcomes(outcomes);
  }

  /** What to send the client after an upstream failure mid-stream (the OpenAI SDK raises it as APIError). */
  static errorEvent(message: string, code: string): string {
    return `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code } })}\n\n`;
  }

  private onEvent(event: string): void {
    let data = '';
    for (const line of event.split('\n')) {
      if (line.startsWith('data:')) data += line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    }
    if (data.length === 0) return;
    if (data === '[DONE]') {
      this.finish();
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return; // not a JSON event: nothing a client could use
    }
    if (!this.template)
      this.template = { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model };
    if (chunk.usage) this.usage = chunk.usage;
    const choices = chunk.choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      // Only the usage of a choice-less event goes on (at the end, if the client asked): anything else in
      // it is nothing the output policy saw. A provider's error becomes the gateway's own error event.
      if (chunk.usage) this.usageChunk = { ...this.template, choices: [], usage: chunk.usage };
      else if (chunk.error !== undefined)
        this.emit(
          StreamingRedaction.errorEvent('The upstream provider reported an error.', 'upstream_error'),
        );
      return;
    }
    let changed = false;
    const kept: ChunkChoice[] = [];
    for (const choice of choices) {
      const result = this.filterChoice(choice);
      if (this.blocked) {
        this.stopBlocked();
        return;
      }
      if (result !== 'unchanged') changed = true;
      if (result !== 'drop') kept.push(choice);
    }
    if (chunk.usage && !this.includeUsage) {
      delete chunk.usage;
      changed = true;
    }
    if (kept.length === 0 && !chunk.usage) return;
    if (!changed) {
      this.emit(`data: ${data}\n\n`);
      return;
    }
    chunk.choices = kept;
    this.emit(`data: ${JSON.stringify(chunk)}\n\n`);
  }

  private filterChoice(choice: ChunkChoice): 'unchanged' | 'changed' | 'drop' {
    const state = this.state(choice.index);
    // Nothing may follow a choice's finish: its redactors are gone, so it could not be checked.
    if (state.finished) return 'drop';
    const delta = choice.delta;
    let changed = false;
    if (this.alterable && choice.logprobs != null) {
      choice.logprobs = null;
      changed = true;
    }
    if (delta && typeof delta === 'object') {
      const before = state.fields.outputChars;
      if (state.fields.push(delta)) changed = true;
      this.outputChars += state.fields.outputChars - before;
      if (state.fields.blocked) {
        this.blocked = true;
        return 'drop';
      }
    }
    if (choice.finish_reason) {
      changed = this.flushChoice(state, choice) || changed;
      state.finished = true;
    } else if (changed && delta && isEmptyDelta(delta) && !choice.logprobs) {
      return 'drop'; // everything in it is held back for now
    }
    return changed ? 'changed' : 'unchanged';
  }

  /** Appends what the choice's redactors still hold to its final chunk. */
  private flushChoice(state: ChoiceState, choice: ChunkChoice): boolean {
    const changed = state.fields.flush((choice.delta ??= {}));
    if (state.fields.blocked) {
      this.blocked = true;
      this.stopBlocked();
      return false;
    }
    return changed;
  }

  private finish(): void {
    if (this.done) return;
    // A provider that ends without finish_reason: release what the redactors hold as one last chunk.
    for (const [index, state] of this.choices) {
      if (state.finished) continue;
      const choice: ChunkChoice = { index, delta: {}, finish_reason: null };
      if (this.flushChoice(state, choice))
        this.emit(`data: ${JSON.stringify({ ...this.template, choices: [choice] })}\n\n`);
      if (this.blocked) return;
    }
    if (this.includeUsage && this.usageChunk) this.emit(`data: ${JSON.stringify(this.usageChunk)}\n\n`);
    this.emit('data: [DONE]\n\n');
    this.done = true;
  }

  private stopBlocked(): void {
    if (this.done) return;
    this.done = true;
    const choices = [...this.choices.keys()].map((index) => ({
      index,
      delta: {},
      logprobs: null,
      finish_reason: 'content_filter',
    }));
    this.emit(`data: ${JSON.stringify({ ...this.template, choices })}\n\n`);
    this.emit('data: [DONE]\n\n');
  }

  private state(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = {
        fields: new DeltaRedaction(this.policy, this.bucketKey, this.alterable, this.finishedRedactors),
        finished: false,
      };
      this.choices.set(index, state);
    }
    return state;
  }
}

function isEmptyDelta(delta: NonNullable<ChunkChoice['delta']>): boolean {
  for (const key in delta) {
    const value = delta[key];
    if (value === undefined || value === null) continue;
    if (value === '' && key !== 'role') continue;
    if (key === 'tool_calls' && Array.isArray(value) && value.every(emptyToolCall)) continue;
    if (key === 'function_call' && emptyFunction(value)) continue;
    return false;
  }
  return true;
}

interface ToolCallDelta {
  id?: unknown;
  type?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

function emptyToolCall(call: ToolCallDelta): boolean {
  if (call.id !== undefined || call.type !== undefined) return false;
  return emptyFunction(call.function);
}

function emptyFunction(fn: ToolCallDelta['function'] | unknown): boolean {
  const f = fn as ToolCallDelta['function'];
  return !f || (f.name === undefined && (f.arguments === undefined || f.arguments === ''));
}
