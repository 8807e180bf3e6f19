import { ASCII_WORD, asciiSet } from '../normalize/char-tables';

const ASCII_IDENT = asciiSet('A-Za-z0-9_.\\-');
import { type DetectorDef, type MatchOut, ScanMemo } from '../detectors/detector.types';
import { type Candidate, type Matcher } from './matcher.types';

export interface DetectorEntry {
  def: DetectorDef;
  rule: number;
  priority: number;
}

/**
 * Runs up to 31 detectors in one pass: a per-character bitmask says which detectors can start there, so
 * the text is walked once whatever the number of detectors, and each detector's (sticky) regex or
 * hand-written matcher only runs at plausible token starts that pass its cheap prefilter.
 */
export class DetectorGroupMatcher implements Matcher {
  static readonly MAX = 31;
  readonly window: number;
  private readonly entries: readonly DetectorEntry[];
  private readonly startMask = new Uint32Array(128);
  /** Per second character: detectors that accept it (non-ASCII: only unconstrained ones). */
  private readonly secondMask = new Uint32Array(129);
  private readonly atMask: number;
  private readonly assignMask: number;
  private readonly awsMask: number;
  private readonly ipMask: number;
  private readonly midWordMask: number;
  private readonly backReach: number;
  private readonly backMask: number;
  /** When no detector starts with a letter or digit, a native regex jumps between start characters. */
  private readonly jump: RegExp | null;
  private readonly memo = new ScanMemo();
  // "Next occurrence" memos survive between calls on the same text: a whole-text scan calls findNext once
  // per finding, and re-searching for an absent character each time would make it quadratic.
  private readonly nextAt = new NextOf((t, i) => t.indexOf('@', i));
  private readonly nextColon = new NextOf((t, i) => t.indexOf(':', i));
  private readonly nextEq = new NextOf((t, i) => t.indexOf('=', i));
  private readonly nextDot = new NextOf((t, i) => t.indexOf('.', i));
  private readonly nextAws = new NextOf(indexOfAws);
  private readonly out: MatchOut = { start: 0, end: 0, redactStart: 0, redactEnd: 0 };

  constructor(entries: readonly DetectorEntry[]) {
    if (entries.length > DetectorGroupMatcher.MAX) throw new Error('too many detectors in one group');
    this.entries = entries;
    let midWord = 0;
    let window = 0;
    let at = 0;
    let assign = 0;
    let aws = 0;
    let ip = 0;
    let back = 0;
    let backReach = 0;
    entries.forEach((e, k) => {
      const bit = 1 << k;
      for (let c = 0; c < 128; c++) {
        if (e.def.start[c]) this.startMask[c] |= bit;
        if (!e.def.second || e.def.second[c]) this.secondMask[c] |= bit;
      }
      if (!e.def.second) this.secondMask[128] |= bit;
      if (e.def.midWord) midWord |= bit;
      if (e.def.backReach) {
        back |= bit;
        backReach = Math.max(backReach, e.def.backReach);
      }
      if (e.def.gate === 'at') at |= bit;
      if (e.def.gate === 'assign') assign |= bit;
      if (e.def.gate === 'aws') aws |= bit;
      if (e.def.gate === 'ip') ip |= bit;
      window = Math.max(window, e.def.maxLength + e.def.lookahead);
    });
    this.atMask = at;
    this.assignMask = assign;
    this.awsMask = aws;
    this.ipMask = ip;
    this.midWordMask = midWord;
    this.backMask = back;
    this.backReach = backReach;
    this.window = window;
    let sparse = true;
    let chars = '';
    for (let c = 0; c < 128; c++) {
      if (this.startMask[c] === 0) continue;
      if (ASCII_WORD[c] === 1) sparse = false;
      chars += '\\x' + c.toString(16).padStart(2, '0');
    }
    this.jump = sparse && chars ? new RegExp(`[${chars}]`, 'g') : null;
  }

  findNext(text: string, from: number): Candidate | null {
    const n = text.length;
    const startMask = this.startMask;
    const secondMask = this.secondMask;
    const { atMask, assignMask, awsMask, ipMask } = this;
    const out = this.out;
    this.memo.reset(text);
    // The identifier run that ends right before the next ':' / '=' (the only place an assignment starts).
    let sepFor = -2;
    let identStart = -1;
    let identEnd = -1;
    const midWordMask = this.midWordMask;
    const backMask = this.backMask;
    const scanStart = Math.max(0, from - this.backReach);
    let prevWord = scanStart > 0 ? ASCII_WORD[text.charCodeAt(scanStart - 1)] : 0;
    const jump = this.jump;
    let best: Candidate | null = null;
    for (let i = scanStart; i < n; i++) {
      if (jump !== null) {
        jump.lastIndex = i;
        if (!jump.test(text)) break;
        i = jump.lastIndex - 1;
        prevWord = i > 0 ? ASCII_WORD[text.charCodeAt(i - 1)] : 0;
      }
      // Attempts at i yield matches starting at or after i: past the best start nothing can beat it.
      if (best !== null && i > best.start) break;
      const c = text.charCodeAt(i);
      const wasWord = prevWord;
      prevWord = ASCII_WORD[c];
      if (c >= 128) continue;
      let mask = startMask[c];
      if (mask === 0) continue;
      if (wasWord === 1) {
        mask &= midWordMask;
        if (mask === 0) continue;
      }
      if (i < from) {
        mask &= backMask; // before `from`, only attempts whose findings may start at or after it
        if (mask === 0) continue;
      }
      const c2 = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      mask &= secondMask[c2 < 128 ? c2 : 128];
      if (mask === 0) continue;
      // Inline gates: cheap "is the trigger character close enough" tests before any call.
      if ((mask & atMask) !== 0) {
        const nextAt = this.nextAt.get(text, i);
        if (nextAt === -1 || nextAt - i > 64) mask &= ~atMask;
      }
      if ((mask & assignMask) !== 0) {
        if (sepFor === -2 || (sepFor !== -1 && sepFor < i)) {
          const nextColon = this.nextColon.get(text, i);
          const nextEq = this.nextEq.get(text, i);
          sepFor = nextColon === -1 ? nextEq : nextEq === -1 ? nextColon : Math.min(nextColon, nextEq);
          if (sepFor !== -1) {
            identEnd = identifierEndBefore(text, sepFor);
            identStart = identEnd;
            while (
              identStart > 0 &&
              identEnd - identStart < 90 &&
              ASCII_IDENT[text.charCodeAt(identStart - 1)] === 1
            ) {
              identStart--;
            }
          }
        }
        if (sepFor === -1 || i < identStart || i >= identEnd) mask &= ~assignMask;
      }
      if ((mask & (awsMask | ipMask)) !== 0) {
        const nextColon = this.nextColon.get(text, i);
        if ((mask & awsMask) !== 0) {
          const nextAws = this.nextAws.get(text, i);
          const nextEq = this.nextEq.get(text, i);
          const near = nextAws !== -1 && nextAws - i <= 20;
          const colonOk = nextColon !== -1 && nextColon - i <= 100;
          const eqOk = nextEq !== -1 && nextEq - i <= 100;
          if (!near || (!colonOk && !eqOk)) mask &= ~awsMask;
        }
        if ((mask & ipMask) !== 0) {
          const nextDot = this.nextDot.get(text, i);
          const colonOk = nextColon !== -1 && nextColon - i <= 5;
          const dotOk = nextDot !== -1 && nextDot - i <= 4;
          if (!colonOk && !dotOk) mask &= ~ipMask;
        }
      }
      if (mask === 0) continue;
      for (let k = 0; mask !== 0; k++, mask >>>= 1) {
        if ((mask & 1) === 0) continue;
        const entry = this.entries[k];
        const def = entry.def;
        if (def.quick !== undefined && !def.quick(text, i, this.memo)) continue;
        if (!def.match(text, i, out)) continue;
        if (out.start < from) continue;
        if (best !== null) {
          if (out.start > best.start) continue;
          const len = out.end - out.start;
          const bestLen = best.end - best.start;
          if (
            out.start === best.start &&
            (len < bestLen || (len === bestLen && entry.priority >= best.priority))
          )
            continue;
        }
        best = {
          start: out.start,
          end: out.end,
          redactStart: out.redactStart,
          redactEnd: out.redactEnd,
          rule: entry.rule,
          priority: entry.priority,
        };
      }
    }
    return best;
  }

  pendingFrom(text: string, from: number): number {
    const n = text.length;
    let result = n;
    for (const { def } of this.entries) {
      const lo = Math.max(from - (def.backReach ?? 0), n - (def.maxLength + def.lookahead) + 1, 0);
      if (lo >= result) continue;
      // A non-token character at q ends every attempt starting at or before it; its look-ahead then reads
      // at most up to q + lookahead - 1, which must already be here.
      let q = Math.min(n - def.lookahead, n - 1);
      const token = def.token;
      while (q >= lo && token[text.charCodeAt(q)] === 1) q--;
      for (let p = Math.max(lo, q + 1); p < result; p++) {
        const c = text.charCodeAt(p);
        if (c >= 128 || def.start[c] !== 1) continue;
        if (!def.midWord && p > 0 && ASCII_WORD[text.charCodeAt(p - 1)] === 1) continue;
        if (def.viablePrefix !== undefined && !def.viablePrefix(text, p)) continue;
        result = p;
        break;
      }
    }
    return result;
  }
}

const AWS = /aws/gi;

function indexOfAws(text: string, from: number): number {
  AWS.lastIndex = from;
  const m = AWS.exec(text);
  return m === null ? -1 : m.index;
}

/** Where an identifier would end before the separator at `sep`: skips up to 3 blanks and one quote. */
function identifierEndBefore(text: string, sep: number): number {
  let j = sep;
  for (let k = 0; k < 3 && j > 0; k++) {
    const c = text.charCodeAt(j - 1);
    if (c !== 32 && c !== 9) break;
    j--;
  }
  if (j > 0) {
    const q = text.charCodeAt(j - 1);
    if (q === 34 || q === 39) j--;
  }
  return j;
}

/** Index of the next occurrence at or after a position, memoised for monotone queries on one text. */
class NextOf {
  private text: string | null = null;
  private from = 0;
  private at = -1;

  constructor(private readonly find: (text: string, from: number) => number) {}

  get(text: string, i: number): number {
    if (text !== this.text || i < this.from || (this.at !== -1 && this.at < i)) {
      this.text = text;
      this.from = i;
      this.at = this.find(text, i);
    }
    return this.at;
  }
}
