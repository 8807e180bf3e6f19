import { type Candidate, compareCandidates, type Matcher } from '../matchers/matcher.types';

export interface LaneFinding {
  start: number;
  end: number;
  redactStart: number;
  redactEnd: number;
  /** Compiled rule index (a signal bitmask in the injection lane). */
  rule: number;
  /** Overlaps an allowlisted span: counted nowhere, changes nothing. */
  suppressed: boolean;
}

interface MatcherState {
  /** Leftmost candidate at or after `from` (absolute offsets), if one was found. */
  cand: Candidate | null;
  /** Where the last search started. */
  from: number;
  /** First position whose outcome was not yet final at the last search (Infinity once the text ended). */
  pend: number;
  fresh: boolean;
}

/** Allowlisted spans in text order (non-overlapping): the findings of the allowlist lane. */
export class AllowSpans {
  constructor(private readonly spans: LaneFinding[]) {}

  overlaps(start: number, end: number): boolean {
    const spans = this.spans;
    for (let i = spans.length - 1; i >= 0; i--) {
      const s = spans[i];
      if (s.start >= end) continue;
      return s.end > start;
    }
    return false;
  }
}

/**
 * The matching process, identical for whole texts and streams: from a cursor, take the best candidate
 * among all matchers (leftmost, longest, then priority), record it, move the cursor past it (or one
 * character on, for overlapping signals), repeat. On a stream, a candidate is only taken once no matcher
 * can still produce a better one when more text arrives; `frontier` is the position before which
 * everything is decided.
 */
export class ScanLane {
  readonly findings: LaneFinding[] = [];
  cursor = 0;
  frontier = 0;
  private readonly states: MatcherState[];

  constructor(
    private readonly matchers: readonly Matcher[],
    private readonly overlapping: boolean,
    private readonly allow: AllowSpans | null,
  ) {
    this.states = matchers.map(() => ({ cand: null, from: 0, pend: 0, fresh: false }));
  }

  get empty(): boolean {
    return this.matchers.length === 0;
  }

  /** The earliest position any future search of this lane starts from (look-behind context excluded). */
  get lowWater(): number {
    let low = Infinity;
    for (const st of this.states) low = Math.min(low, st.from);
    return low;
  }

  /** More text arrived (or the text ended): answers that were not final must be searched again. */
  textGrew(final: boolean): void {
    for (const st of this.states) {
      if (!st.fresh) continue;
      if (st.cand === null || st.cand.start >= st.pend) {
        // Nothing starts in [from, pend): the next search can begin at pend.
        st.from = Math.max(st.from, st.pend);
        st.cand = null;
        st.fresh = false;
      } else if (final) {
        st.pend = Infinity;
      }
    }
  }

  /**
   * @param text normalised text from `base`
   * @param allowFrontier allowlist spans starting before this are all known
   */
  advance(text: string, base: number, final: boolean, allowFrontier: number): void {
    const end = base + text.length;
    if (this.matchers.length === 0) {
      this.frontier = end;
      return;
    }
    for (;;) {
      let best: Candidate | null = null;
      let pending = Infinity;
      for (let k = 0; k < this.matchers.length; k++) {
        const st = this.states[k];
        if (st.fresh) {
          if (st.cand !== null && st.cand.start < this.cursor) {
            st.fresh = false;
            st.from = this.cursor;
          } else if ((st.cand === null || st.cand.start >= st.pend) && this.cursor > st.pend) {
            st.fresh = false;
            st.from = this.cursor;
          }
        } else if (st.from < this.cursor) {
          st.from = this.cursor;
        }
        if (!st.fresh) {
          const m = this.matchers[k];
          const rel = st.from - base;
          const cand = m.findNext(text, rel);
          if (cand !== null) {
            cand.start += base;
            cand.end += base;
            cand.redactStart += base;
            cand.redactEnd += base;
          }
          st.cand = cand;
          st.pend = final ? Infinity : m.pendingFrom(text, rel) + base;
          st.fresh = true;
        }
        if (st.pend < pending) pending = st.pend;
        const cand = st.cand;
        if (cand !== null && cand.start < st.pend && (best === null || compareCandidates(cand, best) < 0))
          best = cand;
      }
      if (best === null || best.start >= pending) {
        this.frontier = Math.min(pending, end);
        return;
      }
      if (!final && this.allow !== null && best.end > allowFrontier) {
        this.frontier = best.start;
        return;
      }
      const suppressed = this.allow !== null && this.allow.overlaps(best.start, best.end);
      this.findings.push({
        start: best.start,
        end: best.end,
        redactStart: best.redactStart,
        redactEnd: best.redactEnd,
        rule: best.rule,
        suppressed,
      });
      this.cursor = this.overlapping ? best.start + 1 : best.end;
    }
  }
}
