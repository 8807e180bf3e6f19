import { ASCII_WORD } from '../normalize/char-tables';
import { codeUnits } from '../normalize/code-units';
import { ASCII_IDENT, identifierEndBefore } from './detector-attempt-guards';
import { type DetectorEntry, type FlatDetector, MAX_GROUP_DETECTORS } from './flat-detector';
import { CutWalk } from './cut-walk';
import { firstAtOrAfter, type ScanEvents, type SharedScan } from './shared-scan';

/**
 * The streaming side of a detector group: the earliest position where a match could still start or change
 * when more text is appended (what the redactor must hold back).
 */
export class PendingWalk {
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
  private readonly lo = new Int32Array(MAX_GROUP_DETECTORS);
  private readonly walkFrom = new Int32Array(MAX_GROUP_DETECTORS);
  /** Per entry: backReach (0 if none), maxLength + lookahead, and max(lookahead, 1) (cuts lie at or before n - that). */
  private readonly backReaches = new Int32Array(MAX_GROUP_DETECTORS);
  private readonly windows = new Int32Array(MAX_GROUP_DETECTORS);
  private readonly cutBacks = new Int32Array(MAX_GROUP_DETECTORS);

  constructor(
    entries: readonly DetectorEntry[],
    private readonly flat: readonly FlatDetector[],
    private readonly scan: SharedScan,
  ) {
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
    const sc = units[s];
    if (sc !== 58 && sc !== 61 && sc !== 62 && sc !== 34 && sc !== 39) continue;
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
