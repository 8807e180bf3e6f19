import type { TargetPlan } from '../compile/compiled-rule';
import type { Matcher } from '../matchers/matcher.types';
import type { MatchBudget } from '../scan/match-budget';
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

/** Head of the next segment pushed at first; doubled until every match from the tail is decided. */
const FIRST_HEAD_CHUNK = 64;

/**
 * The original offset of `text` (already scanned whole by `session`) from which a match could still grow
 * if more text followed: the streaming hold-back of its block/redact/flag matchers (`pendingFrom`).
 * `text.length` when nothing is open, which is the common case for prose (no boundary scan at all).
 * Call it right after the scan, while the plan's shared pass still holds this text.
 */
export function openFrom(session: ScanSession, plan: TargetPlan): number {
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
  return pending >= norm.length ? session.buf.origTotal : session.buf.origStartOf(pending);
}

/** Index not inside a surrogate pair (moves back onto the high surrogate). */
function codePointStart(text: string, index: number): number {
  if (index <= 0 || index >= text.length) return Math.max(0, index);
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff ? index - 1 : index;
}

/**
 * Matches of `plan` that straddle the boundary between `a` and `b`: the open end of `a` (from `from`, plus
 * the look-behind context before it) and `glue` are scanned as a stream followed by as much of `b` as it
 * takes to decide every match that starts before the boundary. So the work is bounded by the longest
 * match, and is nil when `a` ends with nothing open. `glue` is '' (a token cut in two: `sk-proj-ab` +
 * `cd…`) or ' ' (groups sent one per message: `4111 1111` + `1111 1111`). Returns offsets in the joined
 * text, where it starts in `a` and how long the tail plus glue is (where `b` starts).
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
  const session = new ScanSession(plan, budget);
  session.push(tail);
  const boundary = session.buf.normEnd;
  let offset = 0;
  let step = FIRST_HEAD_CHUNK;
  while (session.matchFrontier < boundary && offset < b.length) {
    const end = Math.min(b.length, offset + step);
    session.push(b.slice(offset, end));
    offset = end;
    step *= 2;
  }
  if (session.matchFrontier < boundary) session.finish();
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
