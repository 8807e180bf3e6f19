import { type Matcher as Re2Matcher, RE2JS } from 're2js';
import { chargeMatchWork } from '../scan/match-budget';

/** Compiled-program size cap: the engine's work per character is at most proportional to it. */
export const MAX_PROGRAM_SIZE = 5000;
/** Characters a match may look back at (the analyser refuses look-behinds over 64), plus one for \b. */
const CONTEXT = 65;
/** Starts examined per located piece of text, at least (see findBounded). */
const PIECE = 512;

export interface Span {
  start: number;
  end: number;
}

/**
 * A customer pattern on a linear-time engine (re2js, a port of RE2: automata, no backtracking), so the
 * work of a search is bounded by (characters examined) x (program size) whatever the pattern and text.
 * `source` is RE2 syntax (see toLinearSource); `window` bounds a match plus its look-ahead (Infinity when
 * unbounded). Every search charges its work to the matching budget of the scan in progress: one step per
 * character for the DFA pass that says whether a match exists, program-size steps per character for the
 * NFA pass that says where.
 */
export class LinearRegex {
  private readonly re: RE2JS;
  readonly programSize: number;
  // The last text and answer: lanes ask again from nearby positions in the same text.
  private text: string | null = null;
  private matcher: Re2Matcher | null = null;
  private matcherText: string | null = null;
  private readonly piece: number;
  private askedFrom = 0;
  private answer: Span | null = null;

  constructor(
    readonly source: string,
    private readonly window: number = Infinity,
  ) {
    this.re = RE2JS.compile(source, source.includes('(?<') ? RE2JS.LOOKBEHINDS : 0);
    this.programSize = this.re.matcher('').programSize();
    if (this.programSize > MAX_PROGRAM_SIZE) {
      throw new Error(
        `pattern too large for the linear-time matcher (${this.programSize} > ${MAX_PROGRAM_SIZE} steps)`,
      );
    }
    this.piece = Math.max(PIECE, Number.isFinite(window) ? window : 0);
  }

  /** Whether the pattern matches anywhere in `text` (one DFA pass over it). */
  test(text: string): boolean {
    chargeMatchWork(text.length);
    return this.re.test(text);
  }

  /** The leftmost(-first) match starting at or after `from`, or null. */
  find(text: string, from: number): Span | null {
    if (this.text === text && this.askedFrom <= from && (this.answer === null || this.answer.start >= from)) {
      return this.answer;
    }
    this.text = text;
    this.askedFrom = from;
    this.answer = Number.isFinite(this.window) ? this.findBounded(text, from) : this.findAnywhere(text, from);
    return this.answer;
  }

  private findAnywhere(text: string, from: number): Span | null {
    const lo = Math.max(0, from - CONTEXT);
    chargeMatchWork(text.length - lo);
    if (!this.re.test(lo === 0 ? text : text.slice(lo))) return null;
    if (this.matcher === null || this.matcherText !== text) {
      this.matcher = this.re.matcher(text);
      this.matcherText = text;
    }
    const found = this.matcher.find(from);
    const span = found ? { start: this.matcher.start(), end: this.matcher.end() } : null;
    chargeMatchWork(((span === null ? text.length : span.end) - from) * this.programSize);
    return span;
  }

  /**
   * A match is at most `window` long (with its look-ahead) and looks back at most CONTEXT characters, so
   * whether one starts in [a, a + PIECE) is decided by text[a - CONTEXT, a + PIECE + window): the DFA
   * skips pieces without one, the NFA (slower, but the one that reports positions) only reads a piece
   * that has one. re2js would otherwise run its NFA from `from` to the match, however far.
   */
  private findBounded(text: string, from: number): Span | null {
    const n = text.length;
    const step = this.piece;
    for (let a = from; a < n; a += step) {
      const lo = Math.max(0, a - CONTEXT);
      const hi = Math.min(n, a + step + this.window);
      const piece = lo === 0 && hi === n ? text : text.slice(lo, hi);
      chargeMatchWork(piece.length);
      if (!this.re.test(piece)) {
        if (hi === n) return null;
        continue;
      }
      const m = this.re.matcher(piece);
      const found = m.find(a - lo);
      chargeMatchWork(((found ? m.end() : piece.length) - (a - lo)) * this.programSize);
      // A match starting in [a, a + step) lies (with what it reads around it) inside the piece, so it is
      // the text's own; one starting later may be cut by the piece's end: the next piece decides it.
      if (found && (hi === n || m.start() + lo < a + step))
        return { start: m.start() + lo, end: m.end() + lo };
      if (hi === n) return null;
    }
    return null;
  }
}
