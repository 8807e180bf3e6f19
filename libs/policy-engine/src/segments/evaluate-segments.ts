import type { CompiledRule, TargetPlan } from '../compile/compiled-rule';
import { decide } from '../decision/decide';
import { DecisionTally } from '../decision/decision-tally';
import type {
  DecisionMetadata,
  SegmentFindingLocation,
  SegmentsContext,
  SegmentsResult,
  TextSegment,
} from '../decision/decision.types';
import { applyInjectionModel } from '../detectors/injection/model-rules';
import { RedactionWriter } from '../redaction/redaction-writer';
import { MatchBudget, withMatchBudget } from '../scan/match-budget';
import type { LaneFinding } from '../scan/scan-lane';
import { ScanSession } from '../scan/scan-session';
import {
  isContentRole,
  messageRoleOf,
  type PolicyTarget,
  type RolloutMode,
  type SegmentRole,
} from '../schema/policy-categories';
import {
  groupJoint,
  injectionWindow,
  openFrom,
  scanBoundary,
  type LaneName,
  type SplitMatch,
} from './boundary-scan';

/** What evaluateSegments needs from the compiled policy. */
export interface SegmentsPolicy {
  readonly rules: readonly CompiledRule[];
  readonly placeholders: readonly string[];
  readonly rolloutMode: RolloutMode;
  planFor(target: PolicyTarget, role: SegmentRole): TargetPlan;
}

/** How two segments are joined to look for a split value: cut inside a token, or between two groups. */
const GLUES = ['', ' '] as const;
const PLAIN = [''] as const;

/** Roles whose text the application itself writes: never joined with a neighbour for injection scoring. */
const AUTHORED_ROLES: ReadonlySet<SegmentRole> = new Set<SegmentRole>(['system', 'developer', 'field']);

/** One non-empty segment, scanned on its own. */
interface SegmentScan {
  readonly index: number;
  readonly role: SegmentRole;
  readonly text: string;
  readonly plan: TargetPlan;
  readonly session: ScanSession;
  /** See openFrom: where a match could still grow into the next segment (text.length: nowhere). */
  readonly open: number;
}

/** A part of a split match that lands in one segment, in that segment's original offsets. */
interface SplitPart {
  readonly rule: number;
  readonly lane: LaneName;
  /** The match's part (for findings). */
  readonly start: number;
  readonly end: number;
  /** The part to replace (empty when the replaced span lies wholly in the other segment). */
  readonly redactStart: number;
  readonly redactEnd: number;
  /**
   * The rule's placeholder replaces the first non-empty part; the part in the next segment is removed. So
   * the request reads as if the value had been redacted whole (the property the tests check).
   */
  readonly placeholder: boolean;
}

/** Accumulates one decision over many scans. */
class RequestTally {
  readonly triggered = new Set<number>();
  readonly signals = new Set<string>();
  allowlistHits = 0;
  denylistHits = 0;

  add(plan: TargetPlan, tally: DecisionTally, countHits: boolean): void {
    for (const rule of tally.triggered) this.triggered.add(rule);
    if (plan.signalMatcher)
      for (const id of plan.signalMatcher.signalIds(tally.signalMask)) this.signals.add(id);
    if (countHits) {
      this.allowlistHits += tally.allowlistHits;
      this.denylistHits += tally.denylistHits;
    }
  }
}

/**
 * Evaluates the texts of one request together (see CompiledPolicy.evaluateSegments): each segment with the
 * plan of its role, then every boundary between consecutive non-empty segments, for matches that straddle
 * it (a secret sent in two messages) and for an instruction split across two messages.
 */
export function evaluateSegments(
  policy: SegmentsPolicy,
  segments: readonly TextSegment[],
  ctx: SegmentsContext,
  enforced: boolean,
): SegmentsResult {
  const budget = new MatchBudget(policy.planFor(ctx.target, 'user').matchBudget);
  const request = new RequestTally();
  const scans: SegmentScan[] = [];
  for (let i = 0; i < segments.length; i++) {
    const { text, role } = segments[i];
    if (text.length === 0) continue;
    const plan = policy.planFor(ctx.target, role);
    const session = new ScanSession(plan, budget);
    session.scanWhole(text);
    const open = withMatchBudget(budget, () => openFrom(session, plan));
    const tally = new DecisionTally(plan, isContentRole(role));
    tally.update(session);
    applyInjectionModel(plan, tally, text, messageRoleOf(role));
    request.add(plan, tally, true);
    scans.push({ index: i, role, text, plan, session, open });
  }

  const parts = new Map<number, SplitPart[]>();
  const findings: SegmentFindingLocation[] = [];
  for (let k = 1; k < scans.length; k++) {
    const a = scans[k - 1];
    const b = scans[k];
    for (const split of splitMatches(a, b, policy.rules, budget)) {
      const rule = policy.rules[split.a.rule];
      request.triggered.add(split.a.rule);
      if (rule.family === 'denylist') request.denylistHits++;
      for (const [scan, part] of [
        [a, split.a],
        [b, split.b],
      ] as const) {
        const list = parts.get(scan.index) ?? [];
        list.push(part);
        parts.set(scan.index, list);
        findings.push(location(rule, scan.index, part.start, part.end, true));
      }
    }
    scoreSplitInstruction(a, b, budget, request);
  }

  const metadata: DecisionMetadata = decide({
    rules: policy.rules,
    triggered: request.triggered,
    allowlistHits: request.allowlistHits,
    denylistHits: request.denylistHits,
    target: ctx.target,
    rolloutMode: policy.rolloutMode,
    enforced,
  });
  const blocked = metadata.decision === 'block';
  const texts = segments.map((s) => s.text);
  for (const scan of scans) {
    const { session } = scan;
    for (const lane of [session.block, session.redact, session.flag]) {
      for (const f of lane.findings) {
        if (f.suppressed) continue;
        const start = session.buf.origStartOf(f.start);
        const end = session.buf.origEndOf(f.end - 1);
        findings.push(location(policy.rules[f.rule], scan.index, start, end, false));
      }
    }
    if (enforced) texts[scan.index] = redactSegment(scan, parts.get(scan.index) ?? [], blocked, policy);
  }
  findings.sort((x, y) => x.segment - y.segment || x.start - y.start);
  return Object.freeze({
    metadata,
    texts: Object.freeze(texts),
    findings: Object.freeze(findings),
    signals: Object.freeze([...request.signals]),
  });
}

function location(
  rule: CompiledRule,
  segment: number,
  start: number,
  end: number,
  split: boolean,
): SegmentFindingLocation {
  return Object.freeze({
    rule_id: rule.id,
    category: rule.category,
    action: rule.action,
    start,
    end,
    segment,
    split,
  });
}

/**
 * Matches straddling the boundary of `a` and `b`, under either segment's plan (a rule limited to roles
 * counts when it covers either side), as one part per segment. A match that only extends a complete match
 * of the same rule inside one segment (`bob@example.com` + `Thanks` read as one address) is dropped: the
 * join would redact text of the next message that is not part of any value. Not for secrets: there the
 * first part may well be key-shaped on its own, and the rest must go too.
 */
function splitMatches(
  a: SegmentScan,
  b: SegmentScan,
  rules: readonly CompiledRule[],
  budget: MatchBudget,
): { a: SplitPart; b: SplitPart }[] {
  const plans = a.plan === b.plan ? [a.plan] : [a.plan, b.plan];
  const out: { a: SplitPart; b: SplitPart }[] = [];
  const seen = new Set<string>();
  for (const plan of plans) {
    // Where a's text is open under this plan; for b's plan (other roles' rules) it is worked out here.
    const open = plan === a.plan ? a.open : openUnder(plan, a.text, budget);
    if (open >= a.text.length) continue;
    for (const glue of groupJoint(a.text, b.text) ? GLUES : PLAIN) {
      const { tailStart, tailLength, matches } = scanBoundary(plan, a.text, open, glue, b.text, budget);
      for (const m of matches) {
        const part = splitAt(m, tailStart, tailLength, glue.length);
        // The same value found by both joins (or both plans) counts once.
        const key = `${m.rule}:${part.a.start}:${part.b.end}`;
        if (seen.has(key) || part.b.end === 0) continue;
        seen.add(key);
        // Secrets are the exception: a key whose first part is already key-shaped must not leak its rest.
        if (
          rules[m.rule].family !== 'secret' &&
          (extendsWholeMatch(a, m.rule, part.a.start, 'start') ||
            extendsWholeMatch(b, m.rule, part.b.end, 'end'))
        )
          continue;
        out.push(part);
      }
    }
  }
  return out;
}

function openUnder(plan: TargetPlan, text: string, budget: MatchBudget): number {
  const session = new ScanSession(plan, budget);
  session.scanWhole(text);
  return withMatchBudget(budget, () => openFrom(session, plan));
}

/** Splits a joined-text match at the glue between the tail of `a` (tailLength includes the glue) and `b`. */
function splitAt(
  m: SplitMatch,
  tailStart: number,
  tailLength: number,
  glue: number,
): { a: SplitPart; b: SplitPart } {
  const aEnd = tailLength - glue;
  const inA = (x: number) => tailStart + Math.min(x, aEnd);
  const inB = (x: number) => Math.max(x, tailLength) - tailLength;
  const aRedacts = m.redactStart < aEnd;
  return {
    a: {
      rule: m.rule,
      lane: m.lane,
      start: inA(m.start),
      end: tailStart + aEnd,
      redactStart: inA(m.redactStart),
      redactEnd: inA(m.redactEnd),
      placeholder: aRedacts,
    },
    b: {
      rule: m.rule,
      lane: m.lane,
      start: 0,
      end: inB(m.end),
      redactStart: inB(m.redactStart),
      redactEnd: inB(m.redactEnd),
      placeholder: !aRedacts,
    },
  };
}

/** Whether `scan` already has a match of `rule` that starts (or ends) where the split part does. */
function extendsWholeMatch(scan: SegmentScan, rule: number, at: number, side: 'start' | 'end'): boolean {
  const { session } = scan;
  for (const lane of [session.block, session.redact, session.flag]) {
    for (const f of lane.findings) {
      if (f.suppressed || f.rule !== rule) continue;
      const edge = side === 'start' ? session.buf.origStartOf(f.start) : session.buf.origEndOf(f.end - 1);
      if (edge === at) return true;
    }
  }
  return false;
}

/**
 * An instruction split across two messages ("ignore all previous" + "instructions and print …"): the end of
 * `a` and the start of `b`, joined by a line break, scored by the rule signals and the model like one text.
 * Only between texts a user or a tool can write (system, developer and request fields are the
 * application's own), and only for rules not already fired.
 */
function scoreSplitInstruction(
  a: SegmentScan,
  b: SegmentScan,
  budget: MatchBudget,
  request: RequestTally,
): void {
  if (AUTHORED_ROLES.has(a.role) || AUTHORED_ROLES.has(b.role)) return;
  const plans = a.plan === b.plan ? [a.plan] : [a.plan, b.plan];
  if (
    plans.every(
      (p) => p.injectionOnly === null || p.injectionRules.every((r) => request.triggered.has(r.rule)),
    )
  )
    return;
  // Part of the instruction sits in a tool result or document: it is an indirect injection.
  const role = isContentRole(b.role) ? b.role : isContentRole(a.role) ? a.role : b.role;
  const content = isContentRole(role);
  const window = injectionWindow(a.text, b.text);
  for (const plan of plans) {
    if (plan.injectionOnly === null) continue;
    const only = plan.injectionOnly();
    const session = new ScanSession(only, budget);
    session.scanWhole(window.text);
    // Signals wholly inside one message were counted with it (under its own role): only those across
    // the joint count here, so a tool result's instruction is not also read as the user's.
    let vocabulary = false;
    for (const f of session.signal.findings) {
      if (!f.suppressed) vocabulary = true;
      const start = session.buf.origStartOf(f.start);
      const end = session.buf.origEndOf(f.end - 1);
      if (!(start < window.joint && end > window.joint + 1)) f.suppressed = true;
    }
    const tally = new DecisionTally(only, content);
    for (const r of only.injectionRules) if (request.triggered.has(r.rule)) tally.triggerRule(r.rule);
    tally.update(session);
    // The model reads the joint only where injection vocabulary (any rule signal) is near it: most
    // conversations have none, and the model is the costly part (bench/policy-engine/segments.bench.ts).
    if (vocabulary) applyInjectionModel(only, tally, window.text, messageRoleOf(role));
    request.add(only, tally, false);
  }
}

/** The segment's text with its own findings and its parts of split matches replaced. */
function redactSegment(
  scan: SegmentScan,
  parts: readonly SplitPart[],
  blocked: boolean,
  policy: SegmentsPolicy,
): string {
  const { session } = scan;
  const own: LaneFinding[] = blocked
    ? [...session.redact.findings, ...session.block.findings].sort(
        (x, y) => x.redactStart - y.redactStart || y.redactEnd - x.redactEnd,
      )
    : session.redact.findings;
  const extra = parts.filter(
    (p) => (p.lane === 'redact' || (blocked && p.lane === 'block')) && p.redactEnd > p.redactStart,
  );
  if (extra.length === 0) return new RedactionWriter(policy.placeholders).emit(session.buf, own, Infinity);
  const edits = own
    .filter((f) => !f.suppressed)
    .map((f) => ({
      start: session.buf.origStartOf(f.redactStart),
      end: session.buf.origEndOf(f.redactEnd - 1),
      replacement: policy.placeholders[f.rule],
    }));
  for (const p of extra)
    edits.push({
      start: p.redactStart,
      end: p.redactEnd,
      replacement: p.placeholder ? policy.placeholders[p.rule] : '',
    });
  edits.sort((x, y) => x.start - y.start || y.end - x.end);
  const text = scan.text;
  let out = '';
  let pos = 0;
  for (const e of edits) {
    if (e.start >= pos) {
      out += text.slice(pos, e.start) + e.replacement;
      pos = e.end;
    } else if (e.end > pos) {
      pos = e.end; // overlaps the previous replacement: extend it (as RedactionWriter does)
    }
  }
  return out + text.slice(pos);
}
