import type { ScanTables, SharedScan } from '../matchers/shared-scan';
import { inCanary } from '../decision/canary-bucket';
import { decide } from '../decision/decide';
import { DecisionTally } from '../decision/decision-tally';
import { applyInjectionModel } from '../detectors/injection/model-rules';
import type {
  DecisionMetadata,
  EvaluateContext,
  EvaluationResult,
  FindingLocation,
  SegmentsContext,
  SegmentsResult,
  TextSegment,
} from '../decision/decision.types';
import { RedactionWriter } from '../redaction/redaction-writer';
import type { LaneFinding } from '../scan/scan-lane';
import { ScanSession } from '../scan/scan-session';
import {
  isContentRole,
  type MediaMode,
  messageRoleOf,
  type PolicyTarget,
  type RolloutMode,
  type SegmentRole,
  type StreamingMode,
} from '../schema/policy-categories';
import { evaluateSegments } from '../segments/evaluate-segments';
import type { PolicyConfig } from '../schema/policy-config.schema';
import {
  PolicyStreamRedactor,
  type StreamRedactor,
  type StreamRedactorOptions,
} from '../streaming/stream-redactor';
import type { CompiledRule, RolePlans, TargetPlan } from './compiled-rule';

/** Scan tables of a compiled policy, keyed by each plan's target and rule set (opaque to callers). */
export type PrebuiltScans = Readonly<Record<string, ScanTables>>;

/**
 * An immutable, compiled policy revision. Safe to share between requests: evaluation state lives in the
 * per-call session, never in the policy.
 */
export class CompiledPolicy {
  readonly name: string | undefined;
  readonly rolloutMode: RolloutMode;
  /** 0-100; meaningful for canary. */
  readonly canaryPercentage: number;
  readonly streamingMode: StreamingMode;
  /** Media the engine cannot read: allowed through, or the request blocked. */
  readonly mediaMode: MediaMode;
  /** Categories of all rules, sorted. */
  readonly categories: readonly string[];
  readonly rules: readonly CompiledRule[];
  /** Replacement text of each rule (by index). */
  readonly placeholders: readonly string[];

  constructor(
    config: PolicyConfig,
    rules: readonly CompiledRule[],
    private readonly plans: Readonly<Record<PolicyTarget, RolePlans>>,
    /** Every plan's character pass, by target and rule set (what `prebuiltScans` is keyed by). */
    private readonly scans: ReadonlyMap<string, SharedScan>,
  ) {
    this.name = config.name;
    this.rolloutMode = config.rollout?.mode ?? 'enforce';
    this.canaryPercentage = this.rolloutMode === 'canary' ? (config.rollout?.percentage ?? 0) : 100;
    this.streamingMode = config.streaming?.mode ?? 'incremental';
    this.mediaMode = config.media ?? 'allow';
    this.rules = rules;
    this.categories = Object.freeze([...new Set(rules.map((r) => r.category))].sort());
    this.placeholders = Object.freeze(rules.map((r) => r.placeholder));
    Object.freeze(this);
  }

  /**
   * Longest possible match (plus the look-ahead needed to decide it) over the block/redact rules that
   * apply to streamed output: a stream redactor never holds back more than this minus one character.
   * Infinity when the policy buffers streams.
   */
  /**
   * The built scan state of both targets (typed arrays: transferable). A worker thread compiles a large
   * policy and sends these; the main thread compiles the same config with `prebuiltScans` and skips
   * building the automata.
   */
  scanTables(): PrebuiltScans {
    return Object.fromEntries([...this.scans].map(([key, scan]) => [key, scan.tables()]));
  }

  get maxMatchLength(): number {
    return this.plans.output.any.maxMatchLength;
  }

  maxMatchLengthFor(target: PolicyTarget, role?: SegmentRole): number {
    return this.planFor(target, role).maxMatchLength;
  }

  /** The compiled rules for texts of `role` (all rules of the target when the role is unknown). */
  planFor(target: PolicyTarget, role: SegmentRole | undefined): TargetPlan {
    const plans = this.plans[target];
    return role === undefined ? plans.any : plans.byRole[role];
  }

  /** Whether decisions for this bucket key are applied to traffic (enforce, or canary inside the bucket). */
  isEnforced(bucketKey?: string): boolean {
    if (this.rolloutMode === 'enforce') return true;
    if (this.rolloutMode === 'shadow') return false;
    return inCanary(bucketKey, this.canaryPercentage);
  }

  evaluate(text: string, ctx: EvaluateContext): EvaluationResult {
    const plan = this.planFor(ctx.target, ctx.role);
    const session = new ScanSession(plan);
    session.scanWhole(text);
    const tally = new DecisionTally(plan, isContentRole(ctx.role));
    tally.update(session);
    applyInjectionModel(plan, tally, text, messageRoleOf(ctx.role));
    const enforced = this.isEnforced(ctx.bucketKey);
    const metadata = this.metadataOf(tally, ctx.target, enforced);
    let output = text;
    if (enforced) {
      // A blocked text is not meant to be forwarded; mask the blocking spans too, in case it is.
      const edits =
        metadata.decision === 'block'
          ? mergeByStart(session.redact.findings, session.block.findings)
          : session.redact.findings;
      output = new RedactionWriter(this.placeholders).emit(session.buf, edits, Infinity);
    }
    const findings: FindingLocation[] = [];
    for (const lane of [session.block, session.redact, session.flag]) {
      for (const f of lane.findings) {
        if (f.suppressed) continue;
        const rule = this.rules[f.rule];
        findings.push(
          Object.freeze({
            rule_id: rule.id,
            category: rule.category,
            action: rule.action,
            start: session.buf.origStartOf(f.start),
            end: session.buf.origEndOf(f.end - 1),
          }),
        );
      }
    }
    findings.sort((a, b) => a.start - b.start);
    const signals = plan.signalMatcher ? plan.signalMatcher.signalIds(tally.signalMask) : [];
    return Object.freeze({
      metadata,
      text: output,
      findings: Object.freeze(findings),
      signals: Object.freeze(signals),
    });
  }

  /**
   * Evaluates the texts of one request together, each with the role that wrote it, as ONE decision:
   * - each segment is scanned with the rules that apply to its role (`roles` in a rule); injections in
   *   tool results and documents are `injection.indirect`;
   * - consecutive non-empty segments are also scanned across their boundary: a value split across two
   *   messages (`sk-proj-abc` + `def…`) is found and each part is redacted in its own segment, and the end
   *   of one message joined with the start of the next is scored for injections (an instruction split in
   *   two), except next to system/developer messages and request fields.
   * The boundary work is bounded: only where a segment ends with a match still open (the streaming
   * hold-back), plus as much of the next as it takes to decide it, and a few hundred characters each side
   * for injections. One segment costs what `evaluate` costs.
   */
  evaluateSegments(segments: readonly TextSegment[], ctx: SegmentsContext): SegmentsResult {
    const enforced = this.isEnforced(ctx.bucketKey);
    if (segments.length === 1) {
      const { text, role } = segments[0];
      const result = this.evaluate(text, { ...ctx, role });
      return Object.freeze({
        metadata: result.metadata,
        texts: Object.freeze([result.text]),
        findings: Object.freeze(
          result.findings.map((f) => Object.freeze({ ...f, segment: 0, split: false })),
        ),
        signals: result.signals,
      });
    }
    return evaluateSegments(this, segments, ctx, enforced);
  }

  /**
   * A redactor for one streamed text (e.g. a completion's deltas): push() returns what is safe to send
   * now, end() the rest; see StreamRedactor for the guarantees.
   */
  createStreamRedactor(ctx: EvaluateContext, options: StreamRedactorOptions = {}): StreamRedactor {
    const plan = this.planFor(ctx.target, ctx.role);
    return new PolicyStreamRedactor({
      plan,
      placeholders: this.placeholders,
      enforced: this.isEnforced(ctx.bucketKey),
      buffer: this.streamingMode === 'buffer',
      role: ctx.role,
      metadataOf: (tally, enforced) => this.metadataOf(tally, ctx.target, enforced),
      onBlock: options.onBlock,
    });
  }

  private metadataOf(tally: DecisionTally, target: PolicyTarget, enforced: boolean): DecisionMetadata {
    return decide({
      rules: this.rules,
      triggered: tally.triggered,
      allowlistHits: tally.allowlistHits,
      denylistHits: tally.denylistHits,
      target,
      rolloutMode: this.rolloutMode,
      enforced,
    });
  }
}

function mergeByStart(a: readonly LaneFinding[], b: readonly LaneFinding[]): LaneFinding[] {
  return [...a, ...b].sort((x, y) => x.redactStart - y.redactStart || y.redactEnd - x.redactEnd);
}
