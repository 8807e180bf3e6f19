import { wordChars } from '../normalize/char-tables';
import { AhoCorasick } from './aho-corasick';
import type { Candidate, Matcher } from './matcher.types';

export interface TermSpec {
  /** Already normalised (see normalizeString). */
  term: string;
  rule: number;
  priority: number;
  wholeWord: boolean;
  caseSensitive: boolean;
}

/**
 * Denylist / allowlist terms of any number of rules in one automaton. Case-insensitive by default;
 * case-sensitive terms are matched folded and then verified against the text.
 */
export class TermMatcher implements Matcher {
  readonly window: number;
  private readonly ac: AhoCorasick;
  private readonly specs: readonly TermSpec[];
  private readonly words = wordChars();

  constructor(specs: readonly TermSpec[]) {
    this.specs = specs;
    this.ac = new AhoCorasick(specs.map((s) => s.term));
    const needsLookahead = specs.some((s) => s.wholeWord);
    this.window = this.ac.maxPatternLength + (needsLookahead ? 1 : 0);
  }

  findNext(text: string, from: number): Candidate | null {
    const { delta, symbolOf, width, hasOutput, ownStart, ownItems, dictLink, patternLength } = this.ac;
    const maxLen = this.ac.maxPatternLength;
    const n = text.length;
    let state = 0;
    let bestStart = -1;
    let bestEnd = -1;
    let bestSpec = -1;
    for (let i = from; i < n; i++) {
      if (bestSpec >= 0 && i - maxLen >= bestStart) break;
      state = delta[state * width + symbolOf[text.charCodeAt(i)]];
      if (hasOutput[state] === 0) continue;
      const end = i + 1;
      for (let s = state; s !== 0; s = dictLink[s]) {
        for (let k = ownStart[s], stop = ownStart[s + 1]; k < stop; k++) {
          const id = ownItems[k];
          const start = end - patternLength[id];
          if (start < from) continue;
          if (bestSpec >= 0) {
            if (start > bestStart) continue;
            if (start === bestStart && end < bestEnd) continue;
            if (
              start === bestStart &&
              end === bestEnd &&
              this.specs[id].priority >= this.specs[bestSpec].priority
            ) {
              continue;
            }
          }
          if (!this.accept(text, id, start, end)) continue;
          bestStart = start;
          bestEnd = end;
          bestSpec = id;
        }
      }
    }
    if (bestSpec < 0) return null;
    const spec = this.specs[bestSpec];
    return {
      start: bestStart,
      end: bestEnd,
      redactStart: bestStart,
      redactEnd: bestEnd,
      rule: spec.rule,
      priority: spec.priority,
    };
  }

  private accept(text: string, id: number, start: number, end: number): boolean {
    const spec = this.specs[id];
    if (spec.wholeWord) {
      if (start > 0 && this.words[text.charCodeAt(start - 1)]) return false;
      if (end < text.length && this.words[text.charCodeAt(end)]) return false;
    }
    if (spec.caseSensitive && !text.startsWith(spec.term, start)) return false;
    return true;
  }

  pendingFrom(text: string, from: number): number {
    const n = text.length;
    const lo = Math.max(from, n - this.window + 1);
    if (lo >= n) return n;
    // Only a suffix that is still a path in the trie can grow into a match.
    const state = this.ac.run(text, lo, n);
    return Math.max(lo, n - this.ac.depth[state]);
  }
}
