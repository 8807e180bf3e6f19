import { wordChars } from '../normalize/char-tables';
import { codeUnits } from '../normalize/code-units';
import type { Candidate, Matcher } from './matcher.types';
import { firstAtOrAfter, type SharedScan } from './shared-scan';

export interface TermSpec {
  /** Already normalised (see normalizeString). */
  term: string;
  rule: number;
  priority: number;
  wholeWord: boolean;
  caseSensitive: boolean;
}

/**
 * Denylist / allowlist terms of any number of rules. Case-insensitive by default; case-sensitive terms
 * are matched folded and then verified against the text. The terms live in the plan's shared automaton
 * (one pass for every term list and the injection triggers); this matcher reads the recorded hits and
 * keeps those of its own pattern range.
 */
export class TermMatcher implements Matcher {
  readonly window: number;
  private readonly specs: readonly TermSpec[];
  private readonly words = wordChars();
  private readonly offset: number;
  private readonly ownerBit: number;
  private readonly maxLen: number;

  constructor(
    specs: readonly TermSpec[],
    private readonly scan: SharedScan,
  ) {
    this.specs = specs;
    this.offset = scan.addPatterns(specs.map((s) => s.term));
    this.ownerBit = scan.ownerBit(this.offset);
    this.maxLen = specs.reduce((m, s) => Math.max(m, s.term.length), 0);
    const needsLookahead = specs.some((s) => s.wholeWord);
    this.window = this.maxLen + (needsLookahead ? 1 : 0);
  }

  findNext(text: string, from: number): Candidate | null {
    const { hitEnd, hitState, hitCount } = this.scan.scan(text);
    const { ownStart, ownItems, dictLink, patternLength } = this.scan.ac;
    const owners = this.scan.stateOwners;
    const bit = this.ownerBit;
    const { offset, maxLen } = this;
    const count = this.specs.length;
    let bestStart = -1;
    let bestEnd = -1;
    let bestSpec = -1;
    for (let e = firstAtOrAfter(hitEnd, hitCount, from + 1); e < hitCount; e++) {
      const end = hitEnd[e];
      if (bestSpec >= 0 && end - 1 - maxLen >= bestStart) break;
      if ((owners[hitState[e]] & bit) === 0) continue; // only other matchers' patterns end here
      for (let s = hitState[e]; s !== 0; s = dictLink[s]) {
        for (let k = ownStart[s], stop = ownStart[s + 1]; k < stop; k++) {
          const id = ownItems[k] - offset;
          if (id < 0 || id >= count) continue; // another matcher's pattern
          const start = end - patternLength[id + offset];
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
    // Only a suffix that is still a path in the trie can grow into a match. The shared trie also holds
    // other matchers' patterns, so this may hold back a little more than needed, never less.
    const ac = this.scan.ac;
    const state = ac.run(codeUnits(text), lo, n);
    return Math.max(lo, n - ac.depth[state]);
  }
}
