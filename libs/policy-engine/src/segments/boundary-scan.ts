import type { TargetPlan } from '../compile/compiled-rule';
import type { Matcher } from '../matchers/matcher.types';
import { type MatchBudget, withMatchBudget } from '../scan/match-budget';
import type { ScanLane } from '../scan/scan-lane';
import { ScanSession } from '../scan/scan-session';

export type LaneName = 'block' | 'redact' | 'flag';

/** A match that starts in one segment and ends in the next, in original offsets of the joined text. */
export interface SplitMatch {
  readonly rule: number;
  readonly lane: LaneName;
  readonly start: number;
  readonly end: number;
  readonly redactStart: number;
  readonly redactEnd: number;
}

/** Characters of the next segment read at first; doubled while a match from the tail is undecided. */
const FIRST_HEAD = 128;

/**
 * The normalised position from which a match of the plan's block/redact/flag matchers could still change
 * if more text followed the session's text (its length when none): the streaming hold-back, `pendingFrom`.
 * Call it right after the scan, while the plan's shared pass still holds this text.
 */
function pendingStart(session: ScanSession, plan: TargetPlan): number {
  const norm = session.buf.norm;
  let pending = norm.length;
  const visit = (matchers: readonly Matcher[]) => {
    for (const m of matchers) {
      // A match attempted earlier than `window` before the end reads no further than the end: final.
      const p = m.pendingFrom(norm, Math.max(0, norm.length - m.window));
      if (p < pending) pending = p;
    }
  };
  visit(plan.blockMatchers);
  visit(plan.redactMatchers);
  visit(plan.flagMatchers);
  return pending;
}

/**
 * The original offset of `text` (already scanned whole by `session`) from which a match could still grow
 * if more text followed; `text.length` when nothing is open, the common case for prose (no boundary scan
 * at all).
 */
export function openFrom(session: ScanSession, plan: TargetPlan): number {
  const pending = pendingStart(session, plan);
  return pending >= session.buf.norm.length ? session.buf.origTotal : session.buf.origStartOf(pending);
}

/** Index not inside a surrogate pair (moves back onto the high surrogate). */
function codePointStart(text: string, index: number): number {
  if (index <= 0 || index >= text.length) return Math.max(0, index);
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff ? index - 1 : index;
}

/**
 * Whether a value could continue across the joint with a space in between: both edge characters are
 * letters or digits, one of them a digit (groups of a card, phone, IBAN or SSN sent one message each). A
 * joint with whitespace on either side already has its separator in the plain join.
 */
export function groupJoint(a: string, b: string): boolean {
  const x = a.charCodeAt(a.length - 1);
  const y = b.charCodeAt(0);
  const digit = (c: number) => c >= 48 && c <= 57;
  const alnum = (c: number) => digit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return alnum(x) && alnum(y) && (digit(x) || digit(y));
}

/**
 * Matches of `plan` that straddle the boundary between `a` and `b`: the open end of `a` (from `from`, plus
 * the look-behind context before it), `glue`, and the start of `b` are scanned as one text, with more of
 * `b` (doubling) while a match that starts before the boundary is still undecided. So the work is bounded
 * by the longest match, and is nil when `a` ends with nothing open. `glue` is '' (a token cut in two:
 * `sk-proj-ab` + `cd…`) or ' ' (groups sent one per message: `4111 1111` + `1111 1111`). Returns offsets
 * in the joined text, where it starts in `a` and how long the tail plus glue is (where `b` starts).
 */
export function scanBoundary(
  plan: TargetPlan,
  a: string,
  from: number,
  glue: string,
  b: string,
  budget: MatchBudget,
): { tailStart: number; tailLength: number; matches: SplitMatch[] } {
  const tailStart = codePointStart(a, Math.max(0, from - plan.context));
  const tail = a.slice(tailStart) + glue;
  let session: ScanSession;
  let boundary: number;
  for (let head = FIRST_HEAD; ; head *= 2) {
    const end = head >= b.length ? b.length : codePointStart(b, head);
    session = new ScanSession(plan, budget);
    boundary = session.scanJoined(tail, b.slice(0, end));
    if (end === b.length) break;
    const open = withMatchBudget(budget, () => pendingStart(session, plan));
    if (open >= boundary) break;
  }
  const matches: SplitMatch[] = [];
  const buf = session.buf;
  // Starts before `from` only had part of their look-behind: they are the earlier text's own business.
  const firstStart = from - tailStart;
  const collect = (lane: ScanLane, name: LaneName) => {
    for (const f of lane.findings) {
      if (f.suppressed || f.start >= boundary || f.end <= boundary) continue;
      const start = buf.origStartOf(f.start);
      if (start < firstStart) continue;
      matches.push({
        rule: f.rule,
        lane: name,
        start,
        end: buf.origEndOf(f.end - 1),
        redactStart: buf.origStartOf(f.redactStart),
        redactEnd: buf.origEndOf(f.redactEnd - 1),
      });
    }
  };
  collect(session.block, 'block');
  collect(session.redact, 'redact');
  collect(session.flag, 'flag');
  return { tailStart, tailLength: tail.length, matches };
}

/** Characters on each side of a boundary read for an instruction split across two messages. */
export const INJECTION_REACH = 320;

/**
 * The end of `a` and the start of `b` joined by a line break (words must not glue together), each cut at
 * whitespace so no word is read from its middle; `joint` is the offset of the line break.
 */
export function injectionWindow(a: string, b: string): { text: string; joint: number } {
  let start = Math.max(0, a.length - INJECTION_REACH);
  if (start > 0) {
    const space = a.slice(start).search(/\s/);
    start = space < 0 ? a.length : start + space + 1;
  }
  let end = Math.min(b.length, INJECTION_REACH);
  if (end < b.length) {
    const head = b.slice(0, end);
    const space = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n'), head.lastIndexOf('\t'));
    end = space < 0 ? 0 : space;
  }
  const tail = a.slice(codePointStart(a, start));
  return { text: `${tail}\n${b.slice(0, codePointStart(b, end))}`, joint: tail.length };
}
