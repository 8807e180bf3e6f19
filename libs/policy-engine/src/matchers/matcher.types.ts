/**
 * The contract every matcher (detector group, term automaton, regex rule, injection signals) honours, and
 * on which whole-text and streaming evaluation agreeing exactly rests:
 *
 * - Whether a match starts at position p, and where it ends, depends only on the text around p (never on
 *   where the search started): matchers use look-behind, not "search start", for boundaries.
 * - `findNext(text, from)` returns the leftmost match starting at or after `from`; among matches at that
 *   start, the longest, then the lowest `priority`.
 * - A match attempt at p reads no further than p + `window` - 1. So once the text extends that far, the
 *   outcome at p is final. `pendingFrom` may tighten this (e.g. p cannot start a match at all).
 */
export interface Candidate {
  start: number;
  end: number;
  /** Span actually replaced (e.g. only the value of `password=...`); within [start, end). */
  redactStart: number;
  redactEnd: number;
  /** Index of the compiled rule (or a bitmask of signals for the injection matcher). */
  rule: number;
  priority: number;
  /** A catch-all match (the generic assignment detector): any other match at the same start beats it. */
  generic?: boolean;
}

export interface Matcher {
  /** Longest match plus the look-ahead needed to decide it. */
  readonly window: number;
  findNext(text: string, from: number): Candidate | null;
  /**
   * The first position >= from whose match outcome could still change when text is appended after
   * `text` (text.length if none). Must never be later than the truth; may be earlier (holds back more).
   */
  pendingFrom(text: string, from: number): number;
}

/** Leftmost, then specific over generic, then longest, then lowest priority. Negative when a is better. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.start !== b.start) return a.start - b.start;
  if ((a.generic === true) !== (b.generic === true)) return a.generic === true ? 1 : -1;
  const lengths = b.end - b.start - (a.end - a.start);
  if (lengths !== 0) return lengths;
  return a.priority - b.priority;
}

export function candidate(start: number, end: number, rule: number, priority: number): Candidate {
  return { start, end, redactStart: start, redactEnd: end, rule, priority };
}
