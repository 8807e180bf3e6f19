import { ASCII_WORD } from '../normalize/char-tables';
import { codeUnits } from '../normalize/code-units';
import { type DetectorDef, type DetectorTrigger, type MatchOut, ScanMemo } from '../detectors/detector.types';
import { type Candidate, type Matcher } from './matcher.types';
import { winsOverlap } from './candidate-overlap';
import {
  ASCII_IDENT,
  EMAIL_LOCAL,
  HEX,
  countDigits,
  enoughDigits,
  hasAws,
  identifierEndBefore,
  ipNear,
} from './detector-attempt-guards';
import { PendingWalk } from './detector-pending';
import {
  SEPARATOR_REACH,
  T_AT,
  T_DIGIT,
  T_PREFIX,
  T_SEP,
  T_UPPER_DIGIT,
  T_AW,
  commonness,
  reachOf,
} from './detector-triggers';
import { type DetectorEntry, FlatDetector, MAX_GROUP_DETECTORS } from './flat-detector';
import { firstAtOrAfter, type SharedScan } from './shared-scan';

export type { DetectorEntry } from './flat-detector';

/**
 * Runs up to 31 detectors in one pass. The text is walked once over a typed array of code units with a
 * 64K-entry table of character pairs that can trigger an attempt (a digit after a non-word character, an
 * '@', a ':' or '=', a rare pair of a secret's literal prefix, ...); only around those does a detector's
 * (sticky) regex or hand-written matcher run. So the per-character cost is one table lookup, whatever the
 * number of detectors, and prose without digits or separators costs almost nothing else.
 */
export class DetectorGroupMatcher implements Matcher {
  static readonly MAX = MAX_GROUP_DETECTORS;
  readonly window: number;
  private readonly entries: readonly DetectorEntry[];
  private readonly flat: readonly FlatDetector[];
  /** Trigger classes per (previous << 8 | current) pair. */
  private readonly pairs = new Uint8Array(65536);
  /** Prefix triggers per pair: entry indexes and offsets back to the attempt, from prefixSlot. */
  private readonly prefixSlot = new Int32Array(65536).fill(-1);
  private readonly prefixEntries: number[][] = [];
  private readonly prefixOffsets: number[][] = [];
  private readonly digitEntries: number[] = [];
  private readonly upperDigitEntries: number[] = [];
  private readonly atEntries: number[] = [];
  private readonly separatorEntries: number[] = [];
  private readonly colonEntries: number[] = [];
  private readonly phoneEntry: number;
  /** Union of the digit detectors' characters, and their longest match. */
  private readonly digitToken = new Uint8Array(65536);
  private digitReach = 0;
  private readonly maxBack: number;
  /** Trigger classes with an entry that may attempt before the search start (backReach). */
  private earlyBits = 0;
  private readonly backReach: number;
  private readonly lastTried: Int32Array;
  private readonly memo = new ScanMemo();
  private readonly out: MatchOut = { start: 0, end: 0, redactStart: 0, redactEnd: 0 };
  // Per-search state (findNext is not re-entrant).
  private best: Candidate | null = null;
  private bestGeneric = false;
  private from = 0;
  /** The streaming hold-back (pendingFrom): candidate starts that more text could still change. */
  private readonly pending: PendingWalk;

  constructor(
    entries: readonly DetectorEntry[],
    private readonly scan: SharedScan,
  ) {
    if (entries.length > DetectorGroupMatcher.MAX) throw new Error('too many detectors in one group');
    this.entries = entries;
    this.flat = entries.map((e) => new FlatDetector(e));
    this.lastTried = new Int32Array(entries.length);
    let window = 0;
    let backReach = 0;
    let maxBack = 0;
    let phone = -1;
    const nonWord: number[] = [];
    for (let c = 0; c <= 128; c++) if (c === 128 || ASCII_WORD[c] === 0) nonWord.push(c);
    const mark = (prev: number, cur: number, bit: number) => {
      this.pairs[(prev << 8) | cur] |= bit;
    };
    const anyPrev = (cur: number, bit: number) => {
      for (let prev = 0; prev <= 128; prev++) mark(prev, cur, bit);
    };
    entries.forEach((e, k) => {
      const def = e.def;
      window = Math.max(window, def.maxLength + def.lookahead);
      if (def.backReach) backReach = Math.max(backReach, def.backReach);
      if (def.id === 'phone') phone = k;
      for (const trigger of def.triggers) this.addTrigger(trigger, k, def, { mark, anyPrev, nonWord });
      for (const trigger of def.triggers) maxBack = Math.max(maxBack, reachOf(trigger, def));
    });
    this.phoneEntry = phone;
    const classBits: Record<DetectorTrigger, number> = {
      digit: T_DIGIT,
      'upper-digit': T_UPPER_DIGIT,
      at: T_AT,
      separator: T_SEP,
      colon: T_SEP,
      prefix: T_PREFIX,
    };
    for (const e of entries) {
      if (e.def.backReach !== undefined) for (const t of e.def.triggers) this.earlyBits |= classBits[t];
    }
    this.pending = new PendingWalk(entries, this.flat, scan);
    this.window = window;
    this.backReach = backReach;
    this.maxBack = maxBack;
    scan.addPairs(this.pairs);
  }

  private addTrigger(
    trigger: DetectorTrigger,
    k: number,
    def: DetectorDef,
    t: {
      mark: (p: number, c: number, bit: number) => void;
      anyPrev: (c: number, bit: number) => void;
      nonWord: number[];
    },
  ): void {
    switch (trigger) {
      case 'digit':
        this.digitEntries.push(k);
        // The shared digit count only serves minDigits: detectors without one (IP, whose token takes
        // letters for zone names) stay out of it, or the count would run across words.
        if (def.minDigits !== undefined) {
          for (let c = 0; c < 65536; c++) if (def.token[c] === 1) this.digitToken[c] = 1;
          this.digitReach = Math.max(this.digitReach, def.maxLength);
        }
        for (let d = 48; d <= 57; d++) for (const p of t.nonWord) t.mark(p, d, T_DIGIT);
        return;
      case 'upper-digit':
        this.upperDigitEntries.push(k);
        for (let d = 48; d <= 57; d++) for (let u = 65; u <= 90; u++) t.mark(u, d, T_UPPER_DIGIT);
        return;
      case 'at':
        this.atEntries.push(k);
        t.anyPrev(64, T_AT);
        return;
      case 'separator':
        this.separatorEntries.push(k);
        t.anyPrev(58, T_SEP);
        t.anyPrev(61, T_SEP);
        if (def.id === 'generic_assignment') {
          t.anyPrev(62, T_SEP); // <password>value
          t.anyPrev(34, T_SEP); // apikey "value";
          t.anyPrev(39, T_SEP);
        }
        if (def.id === 'aws_secret_key')
          for (const a of [65, 97]) for (const w of [87, 119]) t.mark(a, w, T_AW);
        return;
      case 'colon':
        this.colonEntries.push(k);
        t.anyPrev(58, T_SEP);
        return;
      case 'prefix':
        for (const prefix of def.prefixes ?? []) {
          // The rarest adjacent pair of the prefix (fewest lower-case letters), earliest on ties.
          let at = 1;
          let score = Infinity;
          for (let j = 1; j < prefix.length; j++) {
            const sc = commonness(prefix.charCodeAt(j - 1)) + commonness(prefix.charCodeAt(j));
            if (sc < score) {
              score = sc;
              at = j;
            }
          }
          const key = (prefix.charCodeAt(at - 1) << 8) | prefix.charCodeAt(at);
          this.pairs[key] |= T_PREFIX;
          let slot = this.prefixSlot[key];
          if (slot === -1) {
            slot = this.prefixEntries.length;
            this.prefixSlot[key] = slot;
            this.prefixEntries.push([]);
            this.prefixOffsets.push([]);
          }
          this.prefixEntries[slot].push(k);
          this.prefixOffsets[slot].push(at);
        }
        return;
    }
  }

  findNext(text: string, from: number): Candidate | null {
    const n = text.length;
    const scanStart = Math.max(0, from - this.backReach);
    const events = this.scan.scan(text);
    const at = events.pairAt;
    const count = events.pairCount;
    const e0 = firstAtOrAfter(at, count, scanStart);
    if (e0 === count) return null; // no trigger in reach (most pushes of a stream)
    const units = codeUnits(text);
    const pairs = this.pairs;
    this.memo.reset(text);
    this.best = null;
    this.from = from;
    const lastTried = this.lastTried;
    for (let k = 0; k < lastTried.length; k++) lastTried[k] = -1;
    let end = n;
    for (let e = e0; e < count; e++) {
      const i = at[e];
      if (i >= end) break;
      let c = units[i];
      if (c > 128) c = 128;
      let prev = i > 0 ? units[i - 1] : 0;
      if (prev > 128) prev = 128;
      // Every attempt starts at or before its trigger: before `from` only entries with backReach can match.
      const bits = i < from ? pairs[(prev << 8) | c] & this.earlyBits : pairs[(prev << 8) | c];
      if (bits === 0) continue;
      if ((bits & T_DIGIT) !== 0) {
        // Digits ahead over any digit detector's characters: one count rules out short numbers for all.
        const digits = countDigits(units, i, n, this.digitToken, this.digitReach);
        for (const k of this.digitEntries) {
          const det = this.flat[k];
          if (digits < det.minDigits) continue;
          if (k === this.phoneEntry && i > 0) {
            const b = units[i - 1];
            if (b === 43 || b === 40) this.attempt(text, units, k, i - 1);
          }
          if (det.isIp && !ipNear(units, i, n)) continue;
          this.attempt(text, units, k, i);
        }
      }
      if ((bits & T_UPPER_DIGIT) !== 0 && i >= 2) {
        for (const k of this.upperDigitEntries) this.attempt(text, units, k, i - 2);
      }
      if ((bits & T_AT) !== 0) {
        let p = i;
        while (p > 0 && i - p <= 64 && EMAIL_LOCAL[units[p - 1]] === 1) p--;
        if (p < i && i - p <= 64) for (const k of this.atEntries) this.attempt(text, units, k, p);
      }
      if ((bits & T_SEP) !== 0) {
        if (this.separatorEntries.length > 0) this.separator(text, units, i);
        if (units[i] === 58 && this.colonEntries.length > 0) {
          let p = i;
          while (p > 0 && i - p < 5 && HEX[units[p - 1]] === 1) p--;
          for (const k of this.colonEntries) this.attempt(text, units, k, p);
        }
      }
      if ((bits & T_PREFIX) !== 0) {
        const slot = this.prefixSlot[(prev << 8) | c];
        if (slot !== -1) {
          const ks = this.prefixEntries[slot];
          const offsets = this.prefixOffsets[slot];
          for (let j = 0; j < ks.length; j++) this.attempt(text, units, ks[j], i - offsets[j]);
        }
      }
      // Attempts from later triggers start at or after i + 1 - maxBack: past the best start, stop.
      const best = this.best as Candidate | null;
      if (best !== null && end > best.start + this.maxBack + 1)
        end = Math.min(n, best.start + this.maxBack + 1);
    }
    return this.best;
  }

  /** Attempts the assignment detectors over the identifier before the separator at `sep`. */
  private separator(text: string, units: Uint8Array | Uint16Array, sep: number): void {
    const identEnd = identifierEndBefore(units, sep);
    let identStart = identEnd;
    while (identStart > 0 && identEnd - identStart < 90 && ASCII_IDENT[units[identStart - 1]] === 1)
      identStart--;
    for (const k of this.separatorEntries) {
      if (this.flat[k].isAws) {
        // The name may contain spaces: look for "aws" anywhere in reach, then try every start before it.
        const lo = Math.max(0, sep - SEPARATOR_REACH);
        if (!hasAws(units, lo, sep)) continue;
        for (let p = lo; p < sep; p++) this.attempt(text, units, k, p);
      } else {
        for (let p = identStart; p < identEnd; p++) this.attempt(text, units, k, p);
      }
    }
  }

  private attempt(text: string, units: Uint8Array | Uint16Array, k: number, p: number): void {
    if (p < 0 || this.lastTried[k] === p) return;
    this.lastTried[k] = p;
    const det = this.flat[k];
    if (p < this.from && !det.reaches) return;
    const c = units[p];
    if (c >= 128 || det.start[c] !== 1) return;
    if (!det.midWord && p > 0 && ASCII_WORD[units[p - 1]] === 1) return;
    if (det.second !== null) {
      const c2 = p + 1 < text.length ? units[p + 1] : 0;
      if (c2 >= 128 || det.second[c2] !== 1) return;
    }
    if (det.minDigits > 0 && !enoughDigits(units, p, det, text.length)) return;
    if (det.quick !== null && !det.quick(text, p, this.memo)) return;
    const out = this.out;
    if (!det.match(text, p, out)) return;
    if (out.start < this.from) return;
    if (this.best !== null && !winsOverlap(this.best, this.bestGeneric, out, det.isGeneric, det.priority))
      return;
    this.bestGeneric = det.isGeneric;
    this.best = {
      start: out.start,
      end: out.end,
      redactStart: out.redactStart,
      redactEnd: out.redactEnd,
      rule: det.rule,
      priority: det.priority,
      generic: det.isGeneric,
    };
  }

  /** See PendingWalk.pendingFrom. */
  pendingFrom(text: string, from: number): number {
    return this.pending.pendingFrom(text, from);
  }
}
