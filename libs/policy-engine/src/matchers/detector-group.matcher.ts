import { ASCII_WORD, asciiSet } from '../normalize/char-tables';
import { codeUnits } from '../normalize/code-units';
import { type DetectorDef, type DetectorTrigger, type MatchOut, ScanMemo } from '../detectors/detector.types';
import { type Candidate, type Matcher } from './matcher.types';
import { CutWalk } from './cut-walk';
import { firstAtOrAfter, type ScanEvents, type SharedScan } from './shared-scan';

const ASCII_IDENT = asciiSet('A-Za-z0-9_.\\-');
const EMAIL_LOCAL = asciiSet('A-Za-z0-9._%+\\-');
const HEX = asciiSet('0-9A-Fa-f');

export interface DetectorEntry {
  def: DetectorDef;
  rule: number;
  priority: number;
}

// Trigger classes of a (previous, current) character pair; non-ASCII characters count as 128.
const T_DIGIT = 1;
const T_UPPER_DIGIT = 2;
const T_AT = 4;
const T_SEP = 8;
const T_PREFIX = 16;
/** "aw" in any case: where the AWS secret detector's pendingFrom looks for "aws" (no attempt of its own). */
const T_AW = 32;
/** How far before its trigger an attempt can start ('separator': identifier + quote + blanks). */
const SEPARATOR_REACH = 112;

/** A character scores 1 when common in prose (lower-case letters): prefix triggers use rare pairs. */
function commonness(c: number): number {
  return c >= 97 && c <= 122 ? 1 : 0;
}

type QuickFn = (text: string, p: number, memo: ScanMemo) => boolean;
type ViableFn = (text: string, p: number) => boolean;
type MatchFn = (text: string, p: number, out: MatchOut) => boolean;

/**
 * A detector definition flattened into one object shape: definitions are literals of many shapes, and
 * reading their fields in the hot loops through one (megamorphic) access site costs more than the loops.
 */
class FlatDetector {
  readonly start: Uint8Array;
  readonly second: Uint8Array | null;
  readonly token: Uint8Array;
  readonly maxLength: number;
  readonly lookahead: number;
  /** backReach, or 0; `reaches` tells whether it was given at all. */
  readonly backReach: number;
  readonly reaches: boolean;
  /** minDigits, or 0 when not given. */
  readonly minDigits: number;
  readonly midWord: boolean;
  readonly quick: QuickFn | null;
  readonly viable: ViableFn | null;
  readonly match: MatchFn;
  readonly isIp: boolean;
  readonly isAws: boolean;
  /** The generic assignment detector: any specific detector wins an overlap with it. */
  readonly isGeneric: boolean;
  readonly rule: number;
  readonly priority: number;

  constructor(entry: DetectorEntry) {
    const def = entry.def;
    this.start = def.start;
    this.second = def.second ?? null;
    this.token = def.token;
    this.maxLength = def.maxLength;
    this.lookahead = def.lookahead;
    this.backReach = def.backReach ?? 0;
    this.reaches = def.backReach !== undefined;
    this.minDigits = def.minDigits ?? 0;
    this.midWord = def.midWord === true;
    this.quick = def.quick ?? null;
    this.viable = def.viablePrefix ?? null;
    this.match = def.match;
    this.isIp = def.id === 'ip';
    this.isAws = def.id === 'aws_secret_key';
    this.isGeneric = def.id === 'generic_assignment';
    this.rule = entry.rule;
    this.priority = entry.priority;
  }
}

/**
 * Runs up to 31 detectors in one pass. The text is walked once over a typed array of code units with a
 * 64K-entry table of character pairs that can trigger an attempt (a digit after a non-word character, an
 * '@', a ':' or '=', a rare pair of a secret's literal prefix, ...); only around those does a detector's
 * (sticky) regex or hand-written matcher run. So the per-character cost is one table lookup, whatever the
 * number of detectors, and prose without digits or separators costs almost nothing else.
 */
export class DetectorGroupMatcher implements Matcher {
  static readonly MAX = 31;
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
  // pendingFrom over every detector but the assignment ones at once, as bitmasks (bit k = entry k): which
  // entries a character can continue (token) or start; each entry's own window bounds; and scratch.
  private readonly walkBits: number;
  private readonly tokenMask = new Int32Array(65536);
  /** tokenMask for ASCII: small enough to stay in cache next to the other tables. */
  private readonly tokenLow = new Int32Array(128);
  private readonly cutWalk: CutWalk;
  private readonly walkUniform: boolean;
  private readonly startMask = new Int32Array(128);
  private readonly wordStartBits: number;
  private readonly separatorKs: number[] = [];
  private readonly lo = new Int32Array(DetectorGroupMatcher.MAX);
  private readonly walkFrom = new Int32Array(DetectorGroupMatcher.MAX);
  /** Per entry: backReach (0 if none), maxLength + lookahead, and max(lookahead, 1) (cuts lie at or before n - that). */
  private readonly backReaches = new Int32Array(DetectorGroupMatcher.MAX);
  private readonly windows = new Int32Array(DetectorGroupMatcher.MAX);
  private readonly cutBacks = new Int32Array(DetectorGroupMatcher.MAX);

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
    let walkBits = 0;
    let wordStartBits = 0;
    entries.forEach((e, k) => {
      const def = e.def;
      if (def.triggers.includes('separator')) {
        this.separatorKs.push(k);
        return;
      }
      const bit = 1 << k;
      walkBits |= bit;
      this.backReaches[k] = def.backReach ?? 0;
      this.windows[k] = def.maxLength + def.lookahead;
      this.cutBacks[k] = Math.max(def.lookahead, 1);
      if (!def.midWord) wordStartBits |= bit;
      for (let c = 0; c < 65536; c++) if (def.token[c] === 1) this.tokenMask[c] |= bit;
      for (let c = 0; c < 128; c++) if (def.start[c] === 1) this.startMask[c] |= bit;
    });
    this.walkBits = walkBits;
    this.tokenLow.set(this.tokenMask.subarray(0, 128));
    this.cutWalk = new CutWalk(
      this.tokenMask,
      entries.map((e) => e.def.lookahead),
      entries.map((e) => e.def.maxLength + e.def.lookahead),
    );
    // The shared walk assumes windows measured from the search start: no walking detector reaches back.
    this.walkUniform =
      walkBits !== 0 && entries.every((e, k) => (walkBits & (1 << k)) === 0 || !e.def.backReach);
    this.wordStartBits = wordStartBits;
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
        if (def.id === 'generic_assignment') t.anyPrev(62, T_SEP); // <password>value
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
    if (p > 0 && ASCII_WORD[units[p - 1]] === 1) return;
    if (det.second !== null) {
      const c2 = p + 1 < text.length ? units[p + 1] : 0;
      if (c2 >= 128 || det.second[c2] !== 1) return;
    }
    if (det.minDigits > 0 && !enoughDigits(units, p, det, text.length)) return;
    if (det.quick !== null && !det.quick(text, p, this.memo)) return;
    const out = this.out;
    if (!det.match(text, p, out)) return;
    if (out.start < this.from) return;
    const best = this.best;
    if (best !== null) {
      if (out.start > best.start) return;
      if (out.start === best.start) {
        // The most specific category wins a tie on the start, even against a longer generic match (a key
        // inside a run-on assignment value keeps its own label); otherwise the longer match, then priority.
        const specificOverGeneric = this.bestGeneric && !det.isGeneric;
        if (!specificOverGeneric) {
          if (det.isGeneric && !this.bestGeneric) return;
          const len = out.end - out.start;
          const bestLen = best.end - best.start;
          if (len < bestLen || (len === bestLen && det.priority >= best.priority)) return;
        }
      }
    }
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

  private separatorPending(det: FlatDetector, text: string, lo: number, result: number): number {
    return separatorPendingImpl(det, text, lo, result, codeUnits(text), this.scan.scan(text));
  }

  /**
   * Per detector: the last character at or before n - lookahead that is not one of its tokens ends every
   * attempt starting at or before it (its look-ahead then reads at most up to the text end), so only later
   * positions can still change; the first of those where the detector can start (start character, word
   * boundary, viable prefix) is its pending position; the group's is the earliest. All detectors but the
   * assignment ones walk together: one backward walk for the cuts, one forward walk for the starts.
   */
  pendingFrom(text: string, from: number): number {
    const n = text.length;
    let result =
      this.walkUniform && from >= 0 && from < n && n - from <= CutWalk.REACH
        ? this.walkPendingUniform(text, from)
        : this.walkPending(text, from);
    for (const k of this.separatorKs) {
      const det = this.flat[k];
      const l = Math.max(from - det.backReach, n - (det.maxLength + det.lookahead) + 1, 0);
      if (l < result) result = this.separatorPending(det, text, l, result);
    }
    return result;
  }

  /** The walking detectors' pending position near the text end: one shared backward walk (CutWalk), then forward. */
  private walkPendingUniform(text: string, from: number): number {
    const n = text.length;
    const { flat, cutWalk, startMask, wordStartBits } = this;
    const { recFrom, recBits } = cutWalk;
    const units = codeUnits(text);
    let active = cutWalk.walk(units, n, from, this.walkBits);
    let r = cutWalk.recs - 1;
    for (let x = active !== 0 ? from : recFrom[r]; x < n; x++) {
      while (r >= 0 && recFrom[r] <= x) active |= recBits[r--];
      const c = units[x];
      if (c >= 128) continue;
      let hit = startMask[c] & active;
      if (hit === 0) continue;
      if (x > 0 && ASCII_WORD[units[x - 1]] === 1) hit &= ~wordStartBits;
      for (let bits = hit; bits !== 0; bits &= bits - 1) {
        const viable = flat[31 - Math.clz32(bits & -bits)].viable;
        if (viable === null || viable(text, x)) return x;
      }
    }
    return n;
  }

  /** The walking detectors' pending position in general (each with its own [lo, n)). */
  private walkPending(text: string, from: number): number {
    const n = text.length;
    let result = n;
    const { flat, lo, walkFrom, tokenMask, tokenLow, backReaches, windows, cutBacks } = this;
    let open = 0;
    let minLo = n;
    for (let bits = this.walkBits; bits !== 0; bits &= bits - 1) {
      const k = 31 - Math.clz32(bits & -bits);
      const l = Math.max(from - backReaches[k], n - windows[k] + 1, 0);
      if (l >= n) continue;
      lo[k] = l;
      walkFrom[k] = l;
      open |= 1 << k;
      if (l < minLo) minLo = l;
    }
    const pending = open;
    // Backward: each detector's last non-token character within [lo, n - max(lookahead, 1)].
    for (let x = n - 1; x >= minLo && open !== 0; x--) {
      const c = text.charCodeAt(x);
      const miss = open & ~(c < 128 ? tokenLow[c] : tokenMask[c]);
      for (let bits = miss; bits !== 0; bits &= bits - 1) {
        const k = 31 - Math.clz32(bits & -bits);
        if (x > n - cutBacks[k]) continue; // in its look-ahead: not a cut
        if (x >= lo[k]) walkFrom[k] = x + 1;
        open &= ~(1 << k);
      }
    }
    // Forward: the first position where a detector whose walk covers it can start.
    let first = n;
    for (let bits = pending; bits !== 0; bits &= bits - 1) {
      const k = 31 - Math.clz32(bits & -bits);
      if (walkFrom[k] < first) first = walkFrom[k];
    }
    const startMask = this.startMask;
    scan: for (let x = first; x < n; x++) {
      const c = text.charCodeAt(x);
      if (c >= 128) continue;
      let hit = startMask[c] & pending;
      if (hit === 0) continue;
      if (x > 0 && ASCII_WORD[text.charCodeAt(x - 1)] === 1) hit &= ~this.wordStartBits;
      for (let bits = hit; bits !== 0; bits &= bits - 1) {
        const k = 31 - Math.clz32(bits & -bits);
        if (walkFrom[k] > x) continue;
        const viable = flat[k].viable;
        if (viable !== null && !viable(text, x)) continue;
        result = x;
        break scan;
      }
    }
    return result;
  }
}

function reachOf(trigger: DetectorTrigger, def: DetectorDef): number {
  switch (trigger) {
    case 'digit':
      return 1;
    case 'upper-digit':
      return 2;
    case 'at':
      return 65;
    case 'separator':
      return SEPARATOR_REACH;
    case 'colon':
      return 5;
    case 'prefix':
      return Math.max(0, ...(def.prefixes ?? []).map((p) => p.length));
  }
}

/**
 * pendingFrom for the assignment detectors, whose characters include spaces (so the generic loop would
 * walk their whole window on every push): a viable attempt lies in the identifier run at the end of the
 * text, in the identifier before a ':' / '=' (generic), or within 22 characters before an "aws" (AWS
 * secret). Only those candidates are checked, with the same conditions as the generic loop. The separators
 * come from the shared pass (every ':' and '=' is a trigger of these detectors), not from a new search.
 */
function separatorPendingImpl(
  def: FlatDetector,
  text: string,
  lo: number,
  result: number,
  units: Uint8Array | Uint16Array,
  events: ScanEvents,
): number {
  const n = text.length;
  let best = result;
  if (def.isAws) {
    let t = n - 1;
    while (t > lo && ASCII_IDENT[units[t - 1]] === 1) t--;
    best = firstViable(def, text, units, Math.max(lo, t), n, best);
    // Every "aws" (any case) from lo: its "aw" is a trigger pair of the shared pass (T_AW).
    const { pairAt, pairCount } = events;
    for (let e = firstAtOrAfter(pairAt, pairCount, lo + 1); e < pairCount; e++) {
      const w = pairAt[e];
      if (w + 1 >= n || (units[w + 1] | 32) !== 115 || (units[w] | 32) !== 119 || (units[w - 1] | 32) !== 97)
        continue;
      best = firstViable(def, text, units, Math.max(lo, w - 23), w, best);
    }
    return best;
  }
  let j = n;
  for (let k = 0; k < 3 && j > lo && units[j - 1] === 32; k++) j--;
  if (j > lo && (units[j - 1] === 34 || units[j - 1] === 39)) j--;
  let t = j;
  while (t > lo && ASCII_IDENT[units[t - 1]] === 1) t--;
  // The text may also end inside an operator or a subscript: "password ?", "apikey[", 'd["secret"] '.
  let j2 = n;
  if (j2 > lo && (units[j2 - 1] === 63 || units[j2 - 1] === 46)) j2--;
  for (let k = 0; k < 3 && j2 > lo && units[j2 - 1] === 32; k++) j2--;
  if (j2 > lo + 1 && units[j2 - 1] === 93 && units[j2 - 2] === 91) j2 -= 2;
  else if (j2 > lo && (units[j2 - 1] === 93 || units[j2 - 1] === 91)) j2--;
  if (j2 > lo && (units[j2 - 1] === 34 || units[j2 - 1] === 39)) j2--;
  while (j2 > lo && ASCII_IDENT[units[j2 - 1]] === 1) j2--;
  best = firstViable(def, text, units, Math.max(lo, Math.min(t, j2)), n, best);
  const { pairAt, pairCount } = events;
  for (let e = firstAtOrAfter(pairAt, pairCount, lo); e < pairCount; e++) {
    const s = pairAt[e];
    if (s >= best + 128) break;
    if (units[s] !== 58 && units[s] !== 61 && units[s] !== 62) continue;
    const identEnd = identifierEndBefore(units, s);
    let identStart = identEnd;
    while (
      identStart > 0 &&
      identEnd - identStart < 96 && // viablePrefix accepts identifiers up to 91 characters
      ASCII_IDENT[units[identStart - 1]] === 1
    ) {
      identStart--;
    }
    best = firstViable(def, text, units, Math.max(lo, identStart), identEnd, best);
  }
  return best;
}

/** The first p in [from, to) (and below `best`) where `def` can still match when text is appended. */
function firstViable(
  def: FlatDetector,
  text: string,
  units: Uint8Array | Uint16Array,
  from: number,
  to: number,
  best: number,
): number {
  const n = text.length;
  const lastRead = Math.min(n - def.lookahead, n - 1);
  for (let p = from; p < to && p < best; p++) {
    const c = units[p];
    if (c >= 128 || def.start[c] !== 1) continue;
    if (p > 0 && ASCII_WORD[units[p - 1]] === 1) continue;
    if (def.viable !== null && !def.viable(text, p)) continue;
    let cut = false; // a non-token character ends the attempt before the text does: its outcome is final
    for (let q = p; q <= lastRead; q++) {
      if (def.token[units[q]] !== 1) {
        cut = true;
        break;
      }
    }
    if (!cut) return p;
  }
  return best;
}

/** IPv4/IPv6 need a '.' within 4 or a ':' within 5 characters of their start. */
function ipNear(units: Uint8Array | Uint16Array, i: number, n: number): boolean {
  const stop = Math.min(n, i + 6);
  for (let j = i + 1; j < stop; j++) {
    const c = units[j];
    if (c === 58 || (c === 46 && j - i <= 4)) return true;
  }
  return false;
}

/** Digits in the run of `token` characters from i (at most `reach` characters). */
function countDigits(
  units: Uint8Array | Uint16Array,
  i: number,
  n: number,
  token: Uint8Array,
  reach: number,
): number {
  const stop = Math.min(n, i + reach);
  let digits = 0;
  for (let j = i; j < stop; j++) {
    const c = units[j];
    if (token[c] !== 1) break;
    if (c >= 48 && c <= 57) digits++;
  }
  return digits;
}

function enoughDigits(units: Uint8Array | Uint16Array, p: number, def: FlatDetector, n: number): boolean {
  const need = def.minDigits;
  const token = def.token;
  const stop = Math.min(n, p + def.maxLength);
  let digits = 0;
  for (let i = p; i < stop; i++) {
    const c = units[i];
    if (token[c] !== 1) return false;
    if (c >= 48 && c <= 57 && ++digits >= need) return true;
  }
  return false;
}

/** "aws" in any case within [lo, hi). */
function hasAws(units: Uint8Array | Uint16Array, lo: number, hi: number): boolean {
  for (let i = lo; i + 2 < hi; i++) {
    if ((units[i] | 32) === 97 && (units[i + 1] | 32) === 119 && (units[i + 2] | 32) === 115) return true;
  }
  return false;
}

/**
 * Where an identifier would end before the separator at `sep`: skips an operator's other characters
 * (`?=`, `.=`, `::=`), up to 3 blanks and one quote.
 */
function identifierEndBefore(units: Uint8Array | Uint16Array, sep: number): number {
  let j = sep;
  for (let k = 0; k < 3 && j > 0; k++) {
    const c = units[j - 1];
    if (c !== 63 && c !== 46 && c !== 58) break;
    j--;
  }
  for (let k = 0; k < 3 && j > 0; k++) {
    const c = units[j - 1];
    if (c !== 32 && c !== 9) break;
    j--;
  }
  if (j > 1 && units[j - 1] === 93 && units[j - 2] === 91)
    j -= 2; // apikey[] =
  else if (j > 0 && units[j - 1] === 93) j--; // dict["secret"] =
  if (j > 0) {
    const q = units[j - 1];
    if (q === 34 || q === 39) j--;
  }
  return j;
}
