import { LinearRegex } from './linear-regex';
import type { Candidate, Matcher } from './matcher.types';

export interface RegexShape {
  /** Longest match + look-ahead (Infinity when unbounded). */
  window: number;
  lookahead: number;
  /** Characters a match can start with / consist of (65536 entries). */
  first: Uint8Array;
  token: Uint8Array;
}

/**
 * A user regex rule (or allowlist pattern), already checked by the regex analyser. `source` is RE2 syntax
 * (toLinearSource): matching runs on the linear-time engine, never on the backtracking RegExp.
 */
export class RegexMatcher implements Matcher {
  readonly window: number;
  readonly re: LinearRegex;

  constructor(
    source: string,
    readonly rule: number,
    readonly priority: number,
    readonly shape: RegexShape,
  ) {
    this.re = new LinearRegex(source, shape.window);
    this.window = shape.window;
  }

  findNext(text: string, from: number): Candidate | null {
    let at = from;
    while (at <= text.length) {
      const m = this.re.find(text, at);
      if (m === null) return null;
      if (m.end > m.start) {
        const { start, end } = m;
        return { start, end, redactStart: start, redactEnd: end, rule: this.rule, priority: this.priority };
      }
      at = m.start + 1; // empty matches are rejected at compile time; be safe anyway
    }
    return null;
  }

  pendingFrom(text: string, from: number): number {
    const n = text.length;
    if (!Number.isFinite(this.window)) return from;
    const { first, token, lookahead } = this.shape;
    const lo = Math.max(from, n - this.window + 1);
    let q = Math.min(n - lookahead, n - 1);
    while (q >= lo && token[text.charCodeAt(q)] === 1) q--;
    for (let p = Math.max(lo, q + 1); p < n; p++) if (first[text.charCodeAt(p)] === 1) return p;
    return n;
  }
}
