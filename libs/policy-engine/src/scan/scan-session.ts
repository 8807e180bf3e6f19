import type { TargetPlan } from '../compile/compiled-rule';
import { forgetCodeUnits } from '../normalize/code-units';
import { StreamScan } from '../matchers/shared-scan';
import { NormBuffer } from '../normalize/norm-buffer';
import { MatchBudget, withMatchBudget } from './match-budget';
import { AllowSpans, ScanLane } from './scan-lane';

/** One evaluation of one text (whole, or as a stream): the normalised buffer plus one lane per role. */
export class ScanSession {
  readonly buf = new NormBuffer();
  readonly allow: ScanLane;
  readonly block: ScanLane;
  readonly redact: ScanLane;
  readonly flag: ScanLane;
  readonly signal: ScanLane;
  private readonly lanes: readonly ScanLane[];
  /** The shared pass carried from push to push (streams only). */
  private stream: StreamScan | null = null;
  /** Regex work left to this evaluation or stream (MatchBudgetExceededError past it). */
  readonly budget: MatchBudget;

  /** `budget`: shared by the sessions of one request (evaluateSegments); a fresh one by default. */
  constructor(
    readonly plan: TargetPlan,
    budget?: MatchBudget,
  ) {
    this.budget = budget ?? new MatchBudget(plan.matchBudget);
    this.allow = new ScanLane(plan.allowMatchers, false, null);
    const spans = plan.allowMatchers.length > 0 ? new AllowSpans(this.allow.findings) : null;
    this.block = new ScanLane(plan.blockMatchers, false, spans);
    this.redact = new ScanLane(plan.redactMatchers, false, spans);
    this.flag = new ScanLane(plan.flagMatchers, false, spans);
    this.signal = new ScanLane(plan.signalMatcher ? [plan.signalMatcher] : [], true, spans);
    this.lanes = [this.allow, this.block, this.redact, this.flag, this.signal];
  }

  /** Whole-text evaluation: one final pass. */
  scanWhole(text: string): void {
    // Fresh work for every evaluation, even of a string seen before (see SharedScan.forget).
    this.plan.scan.forget();
    forgetCodeUnits();
    this.buf.append(text);
    this.buf.flush();
    this.advance(true);
  }

  /**
   * Whole-text evaluation of `first + second` (the end of one message and the start of the next); returns
   * the normalised position where `second` starts.
   */
  scanJoined(first: string, second: string): number {
    this.plan.scan.forget();
    forgetCodeUnits();
    this.buf.append(first);
    const joint = this.buf.normEnd;
    this.buf.append(second);
    this.buf.flush();
    this.advance(true);
    return joint;
  }

  push(chunk: string): void {
    this.buf.append(chunk);
    this.follow();
    for (const lane of this.lanes) lane.textGrew(false);
    this.advance(false);
  }

  finish(): void {
    this.buf.flush();
    this.follow();
    for (const lane of this.lanes) lane.textGrew(true);
    this.advance(true);
  }

  /** Brings the shared pass up to the buffer's text, walking only what was appended since the last push. */
  private follow(): void {
    this.stream ??= new StreamScan();
    this.plan.scan.follow(this.stream, this.buf.norm, this.buf.normBase);
  }

  /** Normalised position before which no block/redact/flag match is still undecided. */
  get matchFrontier(): number {
    return Math.min(this.block.frontier, this.redact.frontier, this.flag.frontier);
  }

  /** Normalised position before which the text is final (no undecided block/redact match reaches it). */
  get releaseFrontier(): number {
    return Math.min(this.block.frontier, this.redact.frontier);
  }

  /** Drops buffered text no lane can look at again. */
  trim(): void {
    let keep = this.releaseFrontier;
    for (const lane of this.lanes) keep = Math.min(keep, lane.lowWater);
    this.buf.trimNorm(keep - this.plan.context);
  }

  private advance(final: boolean): void {
    withMatchBudget(this.budget, () => this.advanceLanes(final));
  }

  private advanceLanes(final: boolean): void {
    const { norm, normBase } = this.buf;
    this.allow.advance(norm, normBase, final, Infinity);
    const allowFrontier = this.allow.frontier;
    this.block.advance(norm, normBase, final, allowFrontier);
    this.redact.advance(norm, normBase, final, allowFrontier);
    this.flag.advance(norm, normBase, final, allowFrontier);
    this.signal.advance(norm, normBase, final, allowFrontier);
  }
}
