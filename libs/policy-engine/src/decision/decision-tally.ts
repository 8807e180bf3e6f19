import type { TargetPlan } from '../compile/compiled-rule';
import type { ScanLane } from '../scan/scan-lane';
import type { ScanSession } from '../scan/scan-session';

/** Accumulates what the lanes found into the inputs of the decision (incrementally, for streams). */
export class DecisionTally {
  readonly triggered = new Set<number>();
  denylistHits = 0;
  signalMask = 0;
  /** A rule with action block triggered. */
  blockHit = false;
  private readonly seen = [0, 0, 0, 0];

  /** `content`: the text is a tool result or document, where every signal counts for `indirect`. */
  constructor(
    private readonly plan: TargetPlan,
    private readonly content = false,
  ) {}

  get allowlistHits(): number {
    return this.allowHits;
  }

  private allowHits = 0;

  update(session: ScanSession): void {
    this.allowHits = session.allow.findings.length;
    this.collect(session.block, 0);
    this.collect(session.redact, 1);
    this.collect(session.flag, 2);
    const signals = session.signal.findings;
    let mask = this.signalMask;
    for (let i = this.seen[3]; i < signals.length; i++) if (!signals[i].suppressed) mask |= signals[i].rule;
    this.seen[3] = signals.length;
    if (mask !== this.signalMask) {
      this.signalMask = mask;
      for (const ir of this.plan.injectionRules) {
        if (this.triggered.has(ir.rule)) continue;
        const weights = this.content ? ir.contentWeights : ir.weights;
        let score = 0;
        for (let k = 0; k < weights.length; k++) if ((mask & (1 << k)) !== 0) score += weights[k];
        if (score >= ir.threshold) this.trigger(ir.rule);
      }
    }
  }

  private collect(lane: ScanLane, slot: number): void {
    const findings = lane.findings;
    for (let i = this.seen[slot]; i < findings.length; i++) {
      const f = findings[i];
      if (f.suppressed) continue;
      if (this.plan.rules[f.rule].family === 'denylist') this.denylistHits++;
      this.trigger(f.rule);
    }
    this.seen[slot] = findings.length;
  }

  /** Records a rule fired from outside the lanes (the learned injection model). */
  triggerRule(rule: number): void {
    this.trigger(rule);
  }

  private trigger(rule: number): void {
    this.triggered.add(rule);
    if (this.plan.rules[rule].action === 'block') this.blockHit = true;
  }
}
