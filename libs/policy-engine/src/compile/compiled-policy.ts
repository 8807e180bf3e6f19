import type { ScanTables } from '../matchers/shared-scan';
import { inCanary } from '../decision/canary-bucket';
import { decide } from '../decision/decide';
import { DecisionTally } from '../decision/decision-tally';
import { applyInjectionModel } from '../detectors/injection/model-rules';
import type {
  DecisionMetadata,
  EvaluateContext,
  EvaluationResult,
  FindingLocation,
} from '../decision/decision.types';
import { RedactionWriter } from '../redaction/redaction-writer';
import type { LaneFinding } from '../scan/scan-lane';
import { ScanSession } from '../scan/scan-session';
import type { MediaMode, PolicyTarget, RolloutMode, StreamingMode } from '../schema/policy-categories';
import type { PolicyConfig } from '../schema/policy-config.schema';
import {
  PolicyStreamRedactor,
  type StreamRedactor,
  type StreamRedactorOptions,
} from '../streaming/stream-redactor';
import type { CompiledRule, TargetPlan } from './compiled-rule';

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
  private readonly placeholders: readonly string[];

  constructor(
    config: PolicyConfig,
    rules: readonly CompiledRule[],
    private readonly plans: Readonly<Record<PolicyTarget, TargetPlan>>,
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
  scanTables(): Record<PolicyTarget, ScanTables> {
    return { input: this.plans.input.scan.tables(), output: this.plans.output.scan.tables() };
  }

  get maxMatchLength(): number {
    return this.plans.output.maxMatchLength;
  }

  maxMatchLengthFor(target: PolicyTarget): number {
    return this.plans[target].maxMatchLength;
  }

  /** Whether decisions for this bucket key are applied to traffic (enforce, or canary inside the bucket). */
  isEnforced(bucketKey?: string): boolean {
    if (this.rolloutMode === 'enforce') return true;
    if (this.rolloutMode === 'shadow') return false;
    return inCanary(bucketKey, this.canaryPercentage);
  }

  evaluate(text: string, ctx: EvaluateContext): EvaluationResult {
    const plan = this.plans[ctx.target];
    const session = new ScanSession(plan);
    session.scanWhole(text);
    const tally = new DecisionTally(plan);
    tally.update(session);
    applyInjectionModel(plan, tally, text, ctx.role);
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
   * A redactor for one streamed text (e.g. a completion's deltas): push() returns what is safe to send
   * now, end() the rest; see StreamRedactor for the guarantees.
   */
  createStreamRedactor(ctx: EvaluateContext, options: StreamRedactorOptions = {}): StreamRedactor {
    const plan = this.plans[ctx.target];
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
