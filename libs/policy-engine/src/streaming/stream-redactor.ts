import type { TargetPlan } from '../compile/compiled-rule';
import { DecisionTally } from '../decision/decision-tally';
import type { DecisionMetadata } from '../decision/decision.types';
import { applyInjectionModel } from '../detectors/injection/model-rules';
import { RedactionWriter } from '../redaction/redaction-writer';
import { ScanSession } from '../scan/scan-session';
import { isContentRole, messageRoleOf, type SegmentRole } from '../schema/policy-categories';
import { StreamHoldLimitExceededError } from './stream-hold-limit';

/**
 * Redacts one streamed text chunk by chunk.
 *
 * Guarantees (incremental mode, enforced):
 * - the concatenation of everything push() and end() return equals `evaluate(wholeText).text`;
 * - at most `maxMatchLength - 1` normalised characters are held back at any time, and text that no
 *   block/redact rule can still match is released at once;
 * - when a block rule triggers, `blocked` becomes true, `onBlock` is called once, and nothing more is
 *   returned (the blocking match itself is never emitted): the caller should end the stream.
 * Shadow mode, and canary outside the bucket: chunks pass through unchanged; metadata is still computed.
 * Buffer mode (`streaming.mode: 'buffer'`): everything is held until end().
 * Memory is bounded: holding back more than the plan's `streamHoldLimit` characters throws
 * StreamHoldLimitExceededError (fail closed: nothing held is released), and the injection model scores
 * at most the first `streamHoldLimit` characters.
 */
export interface StreamRedactor {
  push(chunk: string): string;
  end(): string;
  /** True once an enforced block decision was reached. */
  readonly blocked: boolean;
  /** Characters received but not yet returned. */
  readonly heldBack: number;
  /** Decision metadata so far; final after end(). Never contains text. */
  metadata(): DecisionMetadata;
}

export interface StreamRedactorOptions {
  /** Called once, as soon as an enforced block decision is reached. */
  onBlock?: (metadata: DecisionMetadata) => void;
}

export interface StreamRedactorParams {
  plan: TargetPlan;
  placeholders: readonly string[];
  enforced: boolean;
  buffer: boolean;
  role?: SegmentRole;
  metadataOf: (tally: DecisionTally, enforced: boolean) => DecisionMetadata;
  onBlock?: (metadata: DecisionMetadata) => void;
}

export class PolicyStreamRedactor implements StreamRedactor {
  private readonly session: ScanSession;
  private readonly tally: DecisionTally;
  private readonly writer: RedactionWriter;
  private buffered = '';
  private isBlocked = false;
  private ended = false;
  private received = 0;
  /** The whole text, kept only when the learned injection model scores it at the end. */
  private modelText = '';

  constructor(private readonly params: StreamRedactorParams) {
    this.session = new ScanSession(params.plan);
    this.tally = new DecisionTally(params.plan, isContentRole(params.role));
    this.writer = new RedactionWriter(params.placeholders);
  }

  get blocked(): boolean {
    return this.isBlocked;
  }

  get heldBack(): number {
    if (!this.params.enforced || this.isBlocked) return 0;
    if (this.params.buffer) return this.buffered.length;
    return this.received - this.writer.origPos;
  }

  metadata(): DecisionMetadata {
    return this.params.metadataOf(this.tally, this.params.enforced);
  }

  push(chunk: string): string {
    if (this.ended) throw new Error('push() after end()');
    if (chunk.length === 0) return '';
    this.received += chunk.length;
    const limit = this.params.plan.streamHoldLimit;
    if (this.params.plan.injectionModel && this.modelText.length < limit)
      this.modelText += chunk.slice(0, limit - this.modelText.length);
    if (this.params.buffer) {
      if (!this.params.enforced) {
        // Shadow/canary-out: released at once, never failed; the metadata covers the first `limit` characters.
        if (this.buffered.length < limit) this.buffered += chunk.slice(0, limit - this.buffered.length);
        return chunk;
      }
      this.buffered += chunk;
      if (this.buffered.length > limit) this.failHeld();
      return '';
    }
    const session = this.session;
    session.push(chunk);
    this.tally.update(session);
    if (!this.params.enforced) {
      session.trim();
      session.buf.trimOrig(session.buf.origTotal);
      return chunk;
    }
    if (this.checkBlocked()) return '';
    const out = this.writer.emit(session.buf, session.redact.findings, session.releaseFrontier);
    session.trim();
    session.buf.trimOrig(this.writer.origPos);
    if (this.received - this.writer.origPos > limit) this.failHeld();
    return out;
  }

  /** Past the hold limit: fail closed. What was held is dropped, never released unchecked. */
  private failHeld(): never {
    this.ended = true;
    this.buffered = '';
    this.modelText = '';
    throw new StreamHoldLimitExceededError(this.params.plan.streamHoldLimit);
  }

  end(): string {
    if (this.ended) return '';
    this.ended = true;
    const session = this.session;
    if (this.params.buffer) session.scanWhole(this.buffered);
    else session.finish();
    this.tally.update(session);
    // The model reads the whole text: its findings arrive at the end of the stream (flag semantics).
    applyInjectionModel(this.params.plan, this.tally, this.modelText, messageRoleOf(this.params.role));
    this.modelText = '';
    if (!this.params.enforced) return '';
    if (this.checkBlocked()) return '';
    return this.writer.emit(session.buf, session.redact.findings, Infinity);
  }

  private checkBlocked(): boolean {
    if (this.isBlocked) return true;
    if (!this.tally.blockHit) return false;
    this.isBlocked = true;
    this.params.onBlock?.(this.metadata());
    return true;
  }
}
