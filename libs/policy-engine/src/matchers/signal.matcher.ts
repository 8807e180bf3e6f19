import { normalizeString } from '../normalize/normalize-char';
import { type SignalDef, signalSource } from '../detectors/injection.signals';
import { analyzeRegex } from '../compile/regex-analysis';
import { asciiSet } from '../normalize/char-tables';
import { codeUnits } from '../normalize/code-units';
import type { Candidate, Matcher } from './matcher.types';
import { firstAtOrAfter, type SharedScan } from './shared-scan';

const ALNUM = asciiSet('A-Za-z0-9');
const LETTER = asciiSet('A-Za-z');

/**
 * Finds injection signals. A candidate's `rule` is the bitmask of every signal matching at its start
 * (signals may overlap; the lane that runs this matcher advances by one character after each hit).
 */
export class SignalMatcher implements Matcher {
  readonly window: number;
  private readonly offset: number;
  private readonly ownerBit: number;
  private readonly triggerCount: number;
  /** Trigger pattern id -> signals to verify. */
  private readonly byTrigger: number[][];
  /** 1 when the trigger is a whole word (the character after it must not be a letter). */
  private readonly wholeWord: Uint8Array;
  private readonly regexes: RegExp[];
  private readonly maxTrigger: number;

  constructor(
    private readonly signals: readonly SignalDef[],
    private readonly scan: SharedScan,
  ) {
    if (signals.length > 31) throw new Error('at most 31 injection signals');
    const triggers: string[] = [];
    const index = new Map<string, number>();
    this.byTrigger = [];
    signals.forEach((s, k) => {
      for (const t of s.triggers) {
        const key = normalizeString(t).toLowerCase();
        let id = index.get(key);
        if (id === undefined) {
          id = triggers.length;
          index.set(key, id);
          triggers.push(key);
          this.byTrigger.push([]);
        }
        this.byTrigger[id].push(k);
      }
    });
    this.offset = scan.addPatterns(triggers);
    this.ownerBit = scan.ownerBit(this.offset);
    this.triggerCount = triggers.length;
    // Triggers are words; only a signal's stem (like "jailbr") may continue with letters.
    this.wholeWord = new Uint8Array(triggers.map((t) => (t === 'jailbr' ? 0 : 1)));
    this.maxTrigger = triggers.reduce((m, t) => Math.max(m, t.length), 0);
    let window = 0;
    this.regexes = signals.map((s) => {
      const source = signalSource(s);
      const flags = s.caseSensitive ? '' : 'i';
      const shape = analyzeRegex(source, flags);
      if (!Number.isFinite(shape.maxLength) || shape.issues.length > 0) {
        throw new Error(`injection signal ${s.id} is unsafe: ${shape.issues.join('; ')}`);
      }
      window = Math.max(window, shape.maxLength + shape.lookahead);
      return new RegExp(source, flags + 'y');
    });
    this.window = window;
  }

  findNext(text: string, from: number): Candidate | null {
    const { hitEnd, hitState, hitCount } = this.scan.scan(text);
    const { ownStart, ownItems, dictLink, patternLength } = this.scan.ac;
    const owners = this.scan.stateOwners;
    const bit = this.ownerBit;
    const { offset, triggerCount } = this;
    const n = text.length;
    let bestStart = -1;
    let bestEnd = -1;
    let bestMask = 0;
    for (let e = firstAtOrAfter(hitEnd, hitCount, from + 1); e < hitCount; e++) {
      const i = hitEnd[e] - 1;
      if (bestMask !== 0 && i - this.maxTrigger >= bestStart) break;
      if ((owners[hitState[e]] & bit) === 0) continue; // only other matchers' patterns end here
      for (let s = hitState[e]; s !== 0; s = dictLink[s]) {
        for (let k = ownStart[s], stop = ownStart[s + 1]; k < stop; k++) {
          const trigger = ownItems[k] - offset;
          if (trigger < 0 || trigger >= triggerCount) continue; // another matcher's pattern
          const start = i + 1 - patternLength[trigger + offset];
          if (start < from || (bestMask !== 0 && start > bestStart)) continue;
          if (start > 0 && ALNUM[text.charCodeAt(start - 1)] === 1) continue;
          if (this.wholeWord[trigger] === 1 && i + 1 < n && LETTER[text.charCodeAt(i + 1)] === 1) continue;
          for (const sig of this.byTrigger[trigger]) {
            const re = this.regexes[sig];
            re.lastIndex = start;
            if (!re.test(text)) continue; // sticky: lastIndex is now the match end, no array allocated
            const end = re.lastIndex;
            if (bestMask === 0 || start < bestStart) {
              bestStart = start;
              bestEnd = end;
              bestMask = 1 << sig;
            } else {
              bestMask |= 1 << sig;
              if (end > bestEnd) bestEnd = end;
            }
          }
        }
      }
    }
    if (bestMask === 0) return null;
    return {
      start: bestStart,
      end: bestEnd,
      redactStart: bestStart,
      redactEnd: bestEnd,
      rule: bestMask,
      priority: 0,
    };
  }

  pendingFrom(text: string, from: number): number {
    const n = text.length;
    const lo = Math.max(from, n - this.window + 1);
    if (lo >= n) return n;
    const ac = this.scan.ac;
    const { next, symbolOf, ownStart, ownItems, dictLink, patternLength, depth, width } = ac;
    const { offset, triggerCount } = this;
    const units = codeUnits(text);
    let row = 0;
    let earliest = n;
    for (let i = lo; i < n; i++) {
      row = next[row + symbolOf[units[i]]];
      if (row >= 0) continue;
      row = ~row;
      for (let s = row / width; s !== 0; s = dictLink[s]) {
        for (let k = ownStart[s], stop = ownStart[s + 1]; k < stop; k++) {
          const trigger = ownItems[k] - offset;
          if (trigger < 0 || trigger >= triggerCount) continue;
          const start = i + 1 - patternLength[ownItems[k]];
          if (start >= lo && start < earliest) earliest = start;
        }
      }
    }
    return Math.min(earliest, n - depth[row / width]);
  }

  signalIds(mask: number): string[] {
    return this.signals.filter((_s, k) => (mask & (1 << k)) !== 0).map((s) => s.id);
  }
}
