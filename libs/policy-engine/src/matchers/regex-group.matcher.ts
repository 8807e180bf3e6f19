import { codeUnits } from '../normalize/code-units';
import { CutWalk } from './cut-walk';
import { LinearRegex } from './linear-regex';
import type { Candidate, Matcher } from './matcher.types';
import { RegexMatcher, type RegexShape } from './regex.matcher';

export interface RegexSpec {
  /** RE2 syntax (toLinearSource). */
  source: string;
  rule: number;
  priority: number;
  shape: RegexShape;
}

/** The members' union, for the "any match at all?" pass; null when it would be too large to compile. */
function unionOf(specs: readonly RegexSpec[]): LinearRegex | null {
  try {
    return new LinearRegex(specs.map((s) => `(?:${s.source})`).join('|'));
  } catch {
    return null;
  }
}

/**
 * Several user regexes searched together on the linear-time engine. One pass of their union over a text
 * answers "no match anywhere" (the common case) for all of them at once; otherwise each member finds its
 * own leftmost match (remembered while the lane walks the same text) and the leftmost, then longest, then
 * lowest-priority one wins: the same result as running every regex on its own.
 */
export class RegexGroupMatcher implements Matcher {
  readonly window: number;
  private readonly any: LinearRegex | null;
  private readonly members: RegexMatcher[];
  private gateText: string | null = null;
  private gateOpen = false;

  private constructor(private readonly specs: readonly RegexSpec[]) {
    this.members = specs.map((s) => new RegexMatcher(s.source, s.rule, s.priority, s.shape));
    this.any = unionOf(specs);
    this.window = specs.reduce((w, s) => Math.max(w, s.shape.window), 0);
    this.unbounded = specs.some((s) => !Number.isFinite(s.shape.window));
    if (specs.length <= 31 && !this.unbounded) {
      const tokenMask = new Int32Array(65536);
      const firstMask = new Int32Array(65536);
      specs.forEach((s, k) => {
        for (let c = 0; c < 65536; c++) {
          if (s.shape.token[c] === 1) tokenMask[c] |= 1 << k;
          if (s.shape.first[c] === 1) firstMask[c] |= 1 << k;
        }
      });
      this.tokenMask = tokenMask;
      this.firstMask = firstMask;
      this.tokenLow = tokenMask.slice(0, 128);
      this.firstLow = firstMask.slice(0, 128);
      specs.forEach((spec, k) => {
        this.windows[k] = spec.shape.window;
        this.lookaheads[k] = spec.shape.lookahead;
        this.allBits |= 1 << k;
      });
      this.cutWalk = new CutWalk(
        tokenMask,
        specs.map((s) => s.shape.lookahead),
        specs.map((s) => s.shape.window),
      );
    }
  }

  private readonly unbounded: boolean;
  // Scratch for pendingFrom (synchronous, so one set per matcher is enough).
  private readonly lo = new Int32Array(31);
  private readonly cutAt = new Int32Array(31);
  private readonly start = new Int32Array(31);
  /** Each member's window and look-ahead (read per call: kept out of the spec objects). */
  private readonly windows = new Int32Array(31);
  private readonly lookaheads = new Int32Array(31);
  /** Per character, the members whose token / first-character set holds it (bit k = member k). */
  private readonly tokenMask: Int32Array | null = null;
  private readonly firstMask: Int32Array | null = null;
  /** Their ASCII part: small enough to stay in cache next to the other tables. */
  private readonly tokenLow = new Int32Array(128);
  private readonly firstLow = new Int32Array(128);
  /** For searches near the text end (see pendingFrom). */
  private readonly cutWalk: CutWalk | null = null;
  private allBits = 0;

  /** One matcher for all of a lane's regexes (a lone regex keeps its own). */
  static build(specs: readonly RegexSpec[]): Matcher[] {
    if (specs.length === 0) return [];
    if (specs.length === 1) {
      const [s] = specs;
      return [new RegexMatcher(s.source, s.rule, s.priority, s.shape)];
    }
    return [new RegexGroupMatcher(specs)];
  }

  findNext(text: string, from: number): Candidate | null {
    if (this.any !== null) {
      if (this.gateText !== text) {
        this.gateOpen = this.any.test(text);
        this.gateText = text;
      }
      if (!this.gateOpen) return null;
    }
    let best: Candidate | null = null;
    for (const m of this.members) {
      const c = m.findNext(text, from);
      if (c === null) continue;
      if (
        best === null ||
        c.start < best.start ||
        (c.start === best.start && (c.end > best.end || (c.end === best.end && c.priority < best.priority)))
      ) {
        best = c;
      }
    }
    return best;
  }

  pendingFrom(text: string, from: number): number {
    if (this.unbounded) return from;
    if (this.tokenMask === null || this.firstMask === null) return this.membersPendingFrom(text, from);
    // All members at once with bitmasks; the same answer as the minimum of RegexMatcher.pendingFrom:
    // member k looks at [lo_k, n) and is cut by its last non-token character at or before n - la_k.
    const n = text.length;
    if (from >= 0 && from < n && n - from <= CutWalk.REACH && this.cutWalk !== null) {
      return this.pendingFromUniform(text, from, this.cutWalk, this.firstMask);
    }
    const count = this.specs.length;
    const tokenMask = this.tokenMask;
    const firstMask = this.firstMask;
    const { lo, cutAt, start, windows, lookaheads, tokenLow, firstLow } = this;
    let pending = 0;
    let minLo = n;
    for (let k = 0; k < count; k++) {
      const l = Math.max(from, n - windows[k] + 1);
      lo[k] = l;
      start[k] = l;
      cutAt[k] = Math.min(n - lookaheads[k], n - 1);
      if (l < n) {
        pending |= 1 << k;
        if (l < minLo) minLo = l;
      }
    }
    // Backward: find each member's last non-token character in [lo_k, cutAt_k] (its scan then starts
    // right after it; without one, at lo_k). A miss below lo_k only ends that member's walk.
    let open = pending;
    for (let x = n - 1; x >= minLo && open !== 0; x--) {
      const c = text.charCodeAt(x);
      const miss = open & ~(c < 128 ? tokenLow[c] : tokenMask[c]);
      for (let bits = miss; bits !== 0; bits &= bits - 1) {
        const k = 31 - Math.clz32(bits & -bits);
        if (x > cutAt[k]) continue;
        if (x >= lo[k]) start[k] = x + 1;
        open &= ~(1 << k);
      }
    }
    // Forward: the first position where some member that may start there has a first character.
    let first = n;
    for (let bits = pending; bits !== 0; bits &= bits - 1) {
      const k = 31 - Math.clz32(bits & -bits);
      if (start[k] < first) first = start[k];
    }
    for (let x = first; x < n; x++) {
      const c = text.charCodeAt(x);
      const hit = (c < 128 ? firstLow[c] : firstMask[c]) & pending;
      for (let bits = hit; bits !== 0; bits &= bits - 1) {
        if (start[31 - Math.clz32(bits & -bits)] <= x) return x;
      }
    }
    return n;
  }

  /** pendingFrom near the text end: one shared backward walk (CutWalk), then forward. */
  private pendingFromUniform(text: string, from: number, walk: CutWalk, firstMask: Int32Array): number {
    const n = text.length;
    const firstLow = this.firstLow;
    const { recFrom, recBits } = walk;
    const units = codeUnits(text);
    let active = walk.walk(units, n, from, this.allBits);
    let r = walk.recs - 1;
    for (let x = active !== 0 ? from : recFrom[r]; x < n; x++) {
      while (r >= 0 && recFrom[r] <= x) active |= recBits[r--];
      const c = units[x];
      if (((c < 128 ? firstLow[c] : firstMask[c]) & active) !== 0) return x;
    }
    return n;
  }

  private membersPendingFrom(text: string, from: number): number {
    let result = text.length;
    for (const m of this.members) {
      if (text.length - m.window + 1 >= result) continue;
      const p = m.pendingFrom(text, from);
      if (p < result) result = p;
    }
    return result;
  }
}
