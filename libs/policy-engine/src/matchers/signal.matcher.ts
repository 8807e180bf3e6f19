import { normalizeString } from '../normalize/normalize-char';
import { type SignalDef, signalSource } from '../detectors/injection.signals';
import { analyzeRegex } from '../compile/regex-analysis';
import { asciiSet } from '../normalize/char-tables';
import { AhoCorasick } from './aho-corasick';
import type { Candidate, Matcher } from './matcher.types';

const ALNUM = asciiSet('A-Za-z0-9');
const LETTER = asciiSet('A-Za-z');

/**
 * Finds injection signals. A candidate's `rule` is the bitmask of every signal matching at its start
 * (signals may overlap; the lane that runs this matcher advances by one character after each hit).
 */
export class SignalMatcher implements Matcher {
  readonly window: number;
  private readonly ac: AhoCorasick;
  /** Trigger pattern id -> signals to verify. */
  private readonly byTrigger: number[][];
  /** 1 when the trigger is a whole word (the character after it must not be a letter). */
  private readonly wholeWord: Uint8Array;
  private readonly regexes: RegExp[];
  private readonly maxTrigger: number;

  constructor(private readonly signals: readonly SignalDef[]) {
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
    this.ac = new AhoCorasick(triggers);
    // Triggers are words; only a signal's stem (like "jailbr") may continue with letters.
    this.wholeWord = new Uint8Array(triggers.map((t) => (t === 'jailbr' ? 0 : 1)));
    this.maxTrigger = this.ac.maxPatternLength;
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
    const { delta, symbolOf, width, hasOutput, ownStart, ownItems, dictLink, patternLength } = this.ac;
    const n = text.length;
    let state = 0;
    let bestStart = -1;
    let bestEnd = -1;
    let bestMask = 0;
    for (let i = from; i < n; i++) {
      if (bestMask !== 0 && i - this.maxTrigger >= bestStart) break;
      state = delta[state * width + symbolOf[text.charCodeAt(i)]];
      if (hasOutput[state] === 0) continue;
      for (let s = state; s !== 0; s = dictLink[s]) {
        for (let k = ownStart[s], stop = ownStart[s + 1]; k < stop; k++) {
          const trigger = ownItems[k];
          const start = i + 1 - patternLength[trigger];
          if (start < from || (bestMask !== 0 && start > bestStart)) continue;
          if (start > 0 && ALNUM[text.charCodeAt(start - 1)] === 1) continue;
          if (this.wholeWord[trigger] === 1 && i + 1 < n && LETTER[text.charCodeAt(i + 1)] === 1) continue;
          for (const sig of this.byTrigger[trigger]) {
            const re = this.regexes[sig];
            re.lastIndex = start;
            const m = re.exec(text);
            if (m === null) continue;
            const end = start + m[0].length;
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
    const { delta, symbolOf, width, hasOutput, ownStart, ownItems, dictLink, patternLength, depth } = this.ac;
    let state = 0;
    let earliest = n;
    for (let i = lo; i < n; i++) {
      state = delta[state * width + symbolOf[text.charCodeAt(i)]];
      if (hasOutput[state] === 0) continue;
      for (let s = state; s !== 0; s = dictLink[s]) {
        for (let k = ownStart[s], stop = ownStart[s + 1]; k < stop; k++) {
          const start = i + 1 - patternLength[ownItems[k]];
          if (start >= lo && start < earliest) earliest = start;
        }
      }
    }
    return Math.min(earliest, n - depth[state]);
  }

  signalIds(mask: number): string[] {
    return this.signals.filter((_s, k) => (mask & (1 << k)) !== 0).map((s) => s.id);
  }
}
