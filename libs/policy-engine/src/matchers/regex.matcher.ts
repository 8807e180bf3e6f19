import type { Candidate, Matcher } from './matcher.types';

export interface RegexShape {
  /** Longest match + look-ahead (Infinity when unbounded). */
  window: number;
  lookahead: number;
  /** Characters a match can start with / consist of (65536 entries). */
  first: Uint8Array;
  token: Uint8Array;
}

/** A user regex rule (or allowlist pattern), already checked by the regex analyser. */
export class RegexMatcher implements Matcher {
  readonly window: number;
  private readonly re: RegExp;

  constructor(
    source: string,
    flags: string,
    private readonly rule: number,
    private readonly priority: number,
    private readonly shape: RegexShape,
  ) {
    this.re = new RegExp(source, flags.replace(/[gy]/g, '') + 'g');
    this.window = shape.window;
  }

  findNext(text: string, from: number): Candidate | null {
    const re = this.re;
    re.lastIndex = from;
    for (;;) {
      const m = re.exec(text);
      if (m === null) return null;
      const len = m[0].length;
      if (len > 0) {
        const start = m.index;
        return {
          start,
          end: start + len,
          redactStart: start,
          redactEnd: start + len,
          rule: this.rule,
          priority: this.priority,
        };
      }
      re.lastIndex = m.index + 1; // empty matches are rejected at compile time; be safe anyway
    }
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
