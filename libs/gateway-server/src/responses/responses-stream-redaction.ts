import type { StreamRedactionStage } from '../exchange/response-stages';
import { isRecord } from '../fields/free-text';
import {
  markBlocked,
  visitOutputItem,
  visitOutputTexts,
  visitPart,
  type KeyedTextVisitor,
} from '../fields/responses-response-fields';
import {
  mergeOutcomes,
  type CompiledPolicy,
  type PolicyOutcome,
  type TextRedactor,
} from '../policy/policy-port';
import type { ProviderUsage } from '../settlement/request-record';
import { responsesUsage } from './responses-usage';

type Kind = 'output_text' | 'refusal' | 'args' | 'summary' | 'reasoning' | 'other';

/** One text field of the output (a key of responses-response-fields), through its own streaming redactor. */
interface Field {
  readonly key: string;
  readonly kind: Kind;
  readonly outputIndex: number;
  /** content_index, or summary_index for a reasoning summary. */
  readonly index: number;
  readonly redactor: TextRedactor | null;
  /** What the upstream sent so far. */
  raw: string;
  /** What the client got so far (the redactor's releases). */
  released: string;
  finished: boolean;
}

/** Delta events: the field they extend and the property carrying the text. */
const DELTAS: Record<string, Kind> = {
  'response.output_text.delta': 'output_text',
  'response.refusal.delta': 'refusal',
  'response.function_call_arguments.delta': 'args',
  'response.reasoning_summary_text.delta': 'summary',
  'response.reasoning_text.delta': 'reasoning',
};
/** The .done event of each field kind, and the property holding the whole text. */
const DONES: Record<string, [Kind, string]> = {
  'response.output_text.done': ['output_text', 'text'],
  'response.refusal.done': ['refusal', 'refusal'],
  'response.function_call_arguments.done': ['args', 'arguments'],
  'response.reasoning_summary_text.done': ['summary', 'text'],
  'response.reasoning_text.done': ['reasoning', 'text'],
};
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const RESPONSE_SNAPSHOTS = new Set(['response.created', 'response.in_progress', 'response.queued']);
/** Keys of an event that identify, never carry text. */
const EVENT_IDS = new Set([
  'type',
  'sequence_number',
  'item_id',
  'output_index',
  'content_index',
  'summary_index',
]);

/**
 * The streaming redaction of a Responses API stream. The upstream's typed SSE events are parsed as they
 * come; each text field (see RESPONSES_RESPONSE_FIELDS) runs through its own streaming redactor, so a match
 * split across any number of delta events is held back (never released) until it can be masked, and every
 * delta event carries only released text. Every snapshot of a field (its .done event, content_part.done,
 * output_item.done, response.completed) is rewritten to exactly the text its deltas released, which is what
 * makes the deltas, the .done events and the final Response agree after redaction. Sequence numbers are
 * renumbered, since held-back deltas are dropped and flushed tails added.
 *
 * A block ends the stream as OpenAI reports a content-filtered response: a `response.incomplete` event with
 * incomplete_details.reason "content_filter" and an empty output; nothing of the match was released.
 */
export class ResponsesStreamRedaction implements StreamRedactionStage {
  private pending = '';
  private readonly fields = new Map<string, Field>();
  /** output_index → item id, for the delta events the gateway adds (a field's flushed tail). */
  private readonly itemIds = new Map<number, string>();
  private readonly finishedOutcomes: PolicyOutcome[] = [];
  private template: Record<string, unknown> | null = null;
  private sequence = 0;
  private readonly alterable: boolean;
  usage: ProviderUsage | null = null;
  outputChars = 0;
  blocked = false;
  done = false;

  constructor(
    private readonly policy: CompiledPolicy | null,
    private readonly bucketKey: string,
    private readonly emit: (sse: string) => void,
    /** The response id, once known (response.created): the stored response's owner is recorded. */
    private readonly onResponseId: (id: string) => void,
  ) {
    this.alterable = policy?.outputAlterable(bucketKey) ?? false;
  }

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

  /** The upstream ended without a terminal event: release what the redactors hold as delta events. */
  end(): void {
    if (this.blocked || this.done) return;
    if (this.pending.trim().length > 0) this.onEvent(this.pending);
    this.pending = '';
    if (this.blocked || this.done) return;
    this.finishAll();
    this.done = true;
  }

  outcome(): PolicyOutcome {
    const outcomes = [...this.finishedOutcomes];
    for (const field of this.fields.values()) {
      if (!field.finished && field.redactor) outcomes.push(field.redactor.outcome());
    }
    return mergeOutcomes(outcomes);
  }

  /** An error event outside a stream's numbering (the Exchange's fallback). */
  static errorEvent(message: string, code: string): string {
    const event = { type: 'error', code, message, param: null, sequence_number: 0 };
    return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }

  /** The error event that ends this stream, numbered after the events already sent. */
  errorEvent(message: string, code: string): string {
    const event = { type: 'error', code, message, param: null, sequence_number: this.sequence++ };
    return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }

  private onEvent(raw: string): void {
    let data = '';
    for (const line of raw.split('\n')) {
      if (line.startsWith('data:')) data += line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    }
    if (data.length === 0 || data === '[DONE]') return;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return; // not a JSON event: nothing a client could use
    }
    if (!isRecord(event) || typeof event.type !== 'string') return;
    const type = event.type;
    if (type === 'error') {
      this.emit(this.errorEvent('The upstream provider reported an error.', 'upstream_error'));
      return;
    }
    const deltaKind = Object.hasOwn(DELTAS, type) ? DELTAS[type] : undefined;
    if (deltaKind) return this.onDelta(event, deltaKind);
    const done = Object.hasOwn(DONES, type) ? DONES[type] : undefined;
    if (done) return this.onDone(event, done[0], done[1]);
    if (RESPONSE_SNAPSHOTS.has(type) || TERMINAL.has(type)) return this.onResponse(event, TERMINAL.has(type));
    const finishing = type.endsWith('.done');
    const snapshot = this.snapshotVisitor(finishing);
    if (type === 'response.output_item.added' || type === 'response.output_item.done') {
      const item = event.item;
      const oi = event.output_index;
      if (!isRecord(item) || typeof oi !== 'number') return;
      if (typeof item.id === 'string') this.itemIds.set(oi, item.id);
      visitOutputItem(item, oi, this.alterable, snapshot);
    } else if (type === 'response.content_part.added' || type === 'response.content_part.done') {
      const part = event.part;
      if (
        !isRecord(part) ||
        typeof event.output_index !== 'number' ||
        typeof event.content_index !== 'number'
      )
        return;
      visitPart(part, event.output_index, event.content_index, this.alterable, snapshot);
    } else if (
      type === 'response.reasoning_summary_part.added' ||
      type === 'response.reasoning_summary_part.done'
    ) {
      const part = event.part;
      if (
        !isRecord(part) ||
        typeof event.output_index !== 'number' ||
        typeof event.summary_index !== 'number'
      )
        return;
      if (typeof part.text === 'string')
        part.text = snapshot(`${event.output_index}:summary:${event.summary_index}`, part.text);
    } else if (this.alterable && carriesText(event)) {
      return; // an event the gateway cannot scan (annotations, code, images): dropped when output can change
    }
    if (this.blocked) return;
    this.send(event);
  }

  private onDelta(event: Record<string, unknown>, kind: Kind): void {
    const oi = event.output_index;
    if (typeof oi !== 'number' || typeof event.delta !== 'string') return;
    if (typeof event.item_id === 'string') this.itemIds.set(oi, event.item_id);
    const field = this.field(keyOf(kind, oi, indexOf(event, kind)), kind, oi, indexOf(event, kind));
    if (field.finished) return; // nothing may follow a field's end: its redactor is gone
    const released = this.push(field, event.delta);
    if (this.blocked || released.length === 0) return;
    event.delta = released;
    if (this.alterable && Array.isArray(event.logprobs)) event.logprobs = [];
    this.send(event);
  }

  private onDone(event: Record<string, unknown>, kind: Kind, prop: string): void {
    const oi = event.output_index;
    const text = event[prop];
    if (typeof oi !== 'number' || typeof text !== 'string') return;
    if (typeof event.item_id === 'string') this.itemIds.set(oi, event.item_id);
    const index = indexOf(event, kind);
    event[prop] = this.snapshotVisitor(true)(keyOf(kind, oi, index), text);
    if (this.blocked) return;
    if (this.alterable && Array.isArray(event.logprobs)) event.logprobs = [];
    this.send(event);
  }

  /** response.created / in_progress / completed ...: the Response's output rewritten to what was released. */
  private onResponse(event: Record<string, unknown>, terminal: boolean): void {
    const response = event.response;
    if (!isRecord(response)) return;
    if (!this.template) {
      this.template = { ...response, output: [], usage: null };
      if (typeof response.id === 'string') this.onResponseId(response.id);
    }
    if (terminal) this.usage = responsesUsage(response.usage);
    visitOutputTexts(response.output, this.alterable, this.snapshotVisitor(terminal));
    if (typeof response.output_text === 'string') delete response.output_text;
    if (this.blocked) return;
    if (terminal) {
      this.finishAll();
      if (this.blocked) return;
      this.done = true;
    }
    this.send(event);
  }

  /**
   * A snapshot of a field: text beyond what its deltas brought goes through the redactor as a delta (and
   * out as one), a finishing snapshot ends the field, and the snapshot then holds what the client got.
   */
  private snapshotVisitor(finishing: boolean): KeyedTextVisitor {
    return (key, text) => {
      if (this.blocked) return '';
      let field = this.fields.get(key);
      if (!field) {
        if (text.length === 0 && !finishing) return text;
        const [kind, oi, index] = parseKey(key);
        field = this.field(key, kind, oi, index);
      }
      if (field.finished) return field.released;
      if (text.length > field.raw.length && text.startsWith(field.raw)) {
        const released = this.push(field, text.slice(field.raw.length));
        if (this.blocked) return '';
        if (released.length > 0) this.sendDelta(field, released);
      }
      if (finishing) this.finish(field);
      return field.released;
    };
  }

  private push(field: Field, text: string): string {
    field.raw += text;
    this.outputChars += text.length;
    const released = field.redactor ? field.redactor.push(text) : text;
    if (field.redactor?.blocked) {
      this.stopBlocked();
      return '';
    }
    field.released += released;
    return released;
  }

  /** Ends a field: its held-back tail goes out as one more delta event, before the event that ends it. */
  private finish(field: Field): void {
    field.finished = true;
    if (!field.redactor) return;
    const tail = field.redactor.end();
    this.finishedOutcomes.push(field.redactor.outcome());
    if (field.redactor.blocked) {
      this.stopBlocked();
      return;
    }
    if (tail.length === 0) return;
    field.released += tail;
    this.sendDelta(field, tail);
  }

  private finishAll(): void {
    for (const field of this.fields.values()) {
      if (!field.finished) this.finish(field);
      if (this.blocked) return;
    }
  }

  private sendDelta(field: Field, delta: string): void {
    const item_id = this.itemIds.get(field.outputIndex) ?? '';
    const output_index = field.outputIndex;
    switch (field.kind) {
      case 'output_text':
        return this.send({
          type: 'response.output_text.delta',
          item_id,
          output_index,
          content_index: field.index,
          delta,
          logprobs: [],
        });
      case 'refusal':
        return this.send({
          type: 'response.refusal.delta',
          item_id,
          output_index,
          content_index: field.index,
          delta,
        });
      case 'args':
        return this.send({ type: 'response.function_call_arguments.delta', item_id, output_index, delta });
      case 'summary':
        return this.send({
          type: 'response.reasoning_summary_text.delta',
          item_id,
          output_index,
          summary_index: field.index,
          delta,
        });
      case 'reasoning':
        return this.send({
          type: 'response.reasoning_text.delta',
          item_id,
          output_index,
          content_index: field.index,
          delta,
        });
      case 'other':
        return; // never streamed: only its snapshots carry it
    }
  }

  private stopBlocked(): void {
    if (this.blocked) return;
    this.blocked = true;
    this.done = true;
    const response: Record<string, unknown> = { ...(this.template ?? { object: 'response' }) };
    markBlocked(response);
    this.send({ type: 'response.incomplete', response });
  }

  private send(event: Record<string, unknown>): void {
    event.sequence_number = this.sequence++;
    this.emit(`event: ${event.type as string}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private field(key: string, kind: Kind, outputIndex: number, index: number): Field {
    let field = this.fields.get(key);
    if (!field) {
      field = {
        key,
        kind,
        outputIndex,
        index,
        redactor: this.policy ? this.policy.streamRedactor('output', this.bucketKey) : null,
        raw: '',
        released: '',
        finished: false,
      };
      this.fields.set(key, field);
    }
    return field;
  }
}

function indexOf(event: Record<string, unknown>, kind: Kind): number {
  const value = kind === 'summary' ? event.summary_index : kind === 'args' ? 0 : event.content_index;
  return typeof value === 'number' ? value : 0;
}

/** The field key of responses-response-fields for a delta's field. */
function keyOf(kind: Kind, oi: number, index: number): string {
  switch (kind) {
    case 'output_text':
      return `${oi}:${index}`;
    case 'refusal':
      return `${oi}:${index}:refusal`;
    case 'args':
      return `${oi}:args`;
    case 'summary':
      return `${oi}:summary:${index}`;
    case 'reasoning':
      return `${oi}:reasoning:${index}`;
    default:
      return `${oi}:other:${index}`;
  }
}

function parseKey(key: string): [Kind, number, number] {
  const parts = key.split(':');
  const oi = Number(parts[0]);
  if (parts.includes('other')) return ['other', oi, 0];
  if (parts[1] === 'args') return ['args', oi, 0];
  if (parts[1] === 'summary') return ['summary', oi, Number(parts[2])];
  if (parts[1] === 'reasoning') return ['reasoning', oi, Number(parts[2])];
  if (parts[2] === 'refusal') return ['refusal', oi, Number(parts[1])];
  return ['output_text', oi, Number(parts[1])];
}

/** Whether an event carries any string beyond its type and identifiers (something the policy would read). */
function carriesText(value: unknown, top = true): boolean {
  if (typeof value === 'string') return true;
  if (Array.isArray(value)) return value.some((v) => carriesText(v, false));
  if (!isRecord(value)) return false;
  for (const key in value) {
    if (top && EVENT_IDS.has(key)) continue;
    if (!top && (key === 'type' || key === 'id' || key === 'status')) continue;
    if (carriesText(value[key], false)) return true;
  }
  return false;
}
