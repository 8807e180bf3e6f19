import {
  mergeOutcomes,
  type CompiledPolicy,
  type PolicyOutcome,
  type TextRedactor,
} from '../policy/policy-port';

import type { ProviderUsage } from '../settlement/request-record';
import type { StreamRedactionStage } from '../exchange/response-stages';

interface ChunkChoice {
  index: number;
  delta?: { content?: string | null; tool_calls?: ToolCallDelta[]; [key: string]: unknown };
  finish_reason?: string | null;
  [key: string]: unknown;
}

interface ToolCallDelta {
  index: number;
  function?: { arguments?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Chunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: ChunkChoice[];
  usage?: ProviderUsage | null;
  [key: string]: unknown;
}

interface ChoiceState {
  content: TextRedactor | null;
  tools: Map<number, TextRedactor>;
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

  constructor(
    private readonly policy: CompiledPolicy | null,
    private readonly bucketKey: string,
    private readonly includeUsage: boolean,
    private readonly emit: (sse: string) => void,
  ) {}

  /** Feeds raw upstream bytes (decoded). Returns false once the stream must stop (blocked or done). */
  write(text: string): boolean {
    this.pending += text.indexOf('\r') === -1 ? text : text.replace(/\r/g, '');
    let boundary: number;
    while (!this.blocked && !this.done && (boundary = this.pending.indexOf('\n\n')) !== -1) {
      const event = this.pending.slice(0, boundary);
      this.pending = this.pending.slice(boundary + 2);
      this.onEvent(event);
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
    for (const state of this.choices.values()) {
      if (state.content && !this.finishedRedactors.includes(state.content))
        outcomes.push(state.content.outcome());
      for (const tool of state.tools.values())
        if (!this.finishedRedactors.includes(tool)) outcomes.push(tool.outcome());
    }
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
      if (chunk.usage)
        this.usageChunk = chunk; // sent at the end, only if the client asked
      else this.emit(`data: ${data}\n\n`);
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
    if (delta) {
      if (typeof delta.content === 'string' && delta.content.length > 0) {
        this.outputChars += delta.content.length;
        const released = this.pass(state.content, delta.content);
        if (this.blocked) return 'drop';
        if (released !== delta.content) {
          delta.content = released;
          changed = true;
        }
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const args = call.function?.arguments;
          if (typeof args !== 'string' || args.length === 0) continue;
          this.outputChars += args.length;
          const released = this.pass(this.toolRedactor(state, call.index), args);
          if (this.blocked) return 'drop';
          if (released !== args) {
            call.function!.arguments = released;
            changed = true;
          }
        }
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

  private pass(redactor: TextRedactor | null, text: string): string {
    if (!redactor) return text;
    const released = redactor.push(text);
    if (redactor.blocked) {
      this.blocked = true;
      return '';
    }
    return released;
  }

  /** Appends what the choice's redactors still hold to its final chunk. */
  private flushChoice(state: ChoiceState, choice: ChunkChoice): boolean {
    let changed = false;
    const delta = (choice.delta ??= {});
    if (state.content) {
      const tail = this.endRedactor(state.content);
      if (this.blocked) return false;
      if (tail.length > 0) {
        delta.content = (typeof delta.content === 'string' ? delta.content : '') + tail;
        changed = true;
      }
    }
    for (const [index, redactor] of state.tools) {
      const tail = this.endRedactor(redactor);
      if (this.blocked) return false;
      if (tail.length > 0) {
        (delta.tool_calls ??= []).push({ index, function: { arguments: tail } });
        changed = true;
      }
    }
    state.tools.clear();
    state.content = null;
    return changed;
  }

  private endRedactor(redactor: TextRedactor): string {
    const tail = redactor.end();
    this.finishedRedactors.push(redactor);
    if (redactor.blocked) {
      this.blocked = true;
      this.stopBlocked();
      return '';
    }
    return tail;
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
        content: this.policy?.streamRedactor('output', this.bucketKey) ?? null,
        tools: new Map(),
        finished: false,
      };
      this.choices.set(index, state);
    }
    return state;
  }

  private toolRedactor(state: ChoiceState, index: number): TextRedactor | null {
    if (!this.policy) return null;
    let redactor = state.tools.get(index);
    if (!redactor) {
      redactor = this.policy.streamRedactor('output', this.bucketKey);
      state.tools.set(index, redactor);
    }
    return redactor;
  }
}

function isEmptyDelta(delta: NonNullable<ChunkChoice['delta']>): boolean {
  for (const key in delta) {
    const value = delta[key];
    if (key === 'content' && value === '') continue;
    if (key === 'tool_calls' && Array.isArray(value) && value.every(emptyToolCall)) continue;
    if (value === undefined || value === null) continue;
    return false;
  }
  return true;
}

function emptyToolCall(call: ToolCallDelta): boolean {
  if (call.id !== undefined || call.type !== undefined) return false;
  const fn = call.function;
  return !fn || (fn.name === undefined && (fn.arguments === undefined || fn.arguments === ''));
}
