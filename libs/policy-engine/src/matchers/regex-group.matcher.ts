import { codeUnits } from '../normalize/code-units';
import { CutWalk } from './cut-walk';
import type { Candidate, Matcher } from './matcher.types';
import { RegexMatcher, type RegexShape } from './regex.matcher';

export interface RegexSpec {
  source: string;
  flags: string;
  rule: number;
  priority: number;
  shape: RegexShape;
}

/** Back-references would renumber (or clash) inside a combined pattern: such regexes stay alone. */
const BACKREF = /\\[1-9]|\\k</;

/**
 * Several user regexes (same flags) searched by one native pass: `(?:a)|(?:b)|...` finds the leftmost
 * position where any of them matches (irregexp tries every alternative at a position before moving on),
 * then each member runs sticky there to pick the longest, then lowest-priority match. Same result as
 * running every regex on its own, in one scan instead of one per regex.
 */
export class RegexGroupMatcher implements Matcher {
  readonly window: number;
  private readonly any: RegExp;
  private readonly sticky: RegExp[];
  private readonly members: RegexMatcher[];

  private constructor(
    private readonly specs: readonly RegexSpec[],
    flags: string,
  ) {
    this.any = new RegExp(specs.map((s) => `(?:${s.source})`).join('|'), flags + 'g');
    this.sticky = specs.map((s) => new RegExp(s.source, flags + 'y'));
    this.members = specs.map((s) => new RegexMatcher(s.source, s.flags, s.rule, s.priority, s.shape));
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

  /** One matcher per flag set where combining is safe; lone regexes keep their own matcher. */
  static build(specs: readonly RegexSpec[]): Matcher[] {
    const matchers: Matcher[] = [];
    const groups = new Map<string, RegexSpec[]>();
    for (const s of specs) {
      if (BACKREF.test(s.source)) {
        matchers.push(new RegexMatcher(s.source, s.flags, s.rule, s.priority, s.shape));
        continue;
      }
      const list = groups.get(s.flags) ?? [];
      list.push(s);
      groups.set(s.flags, list);
    }
    for (const [flags, list] of groups) {
      let group: RegexGroupMatcher | null = null;
      if (list.length > 1) {
        try {
          group = new RegexGroupMatcher(list, flags);
        } catch {
          group = null; // e.g. duplicate named groups across patterns
        }
      }
      if (group) matchers.push(group);
      else
        for (const s of list) matchers.push(new RegexMatcher(s.source, s.flags, s.rule, s.priority, s.shape));
    }
    return matchers;
  }

  findNext(text: string, from: number): Candidate | null {
    const any = this.any;
    any.lastIndex = from;
    for (;;) {
      const m = any.exec(text);
      if (m === null) return null;
      const start = m.index;
      let bestEnd = -1;
      let best = -1;
      for (let k = 0; k < this.sticky.length; k++) {
        const re = this.sticky[k];
        re.lastIndex = start;
        const hit = re.exec(text);
        if (hit === null || hit[0].length === 0) continue;
        const end = start + hit[0].length;
        if (end > bestEnd || (end === bestEnd && this.specs[k].priority < this.specs[best].priority)) {
          bestEnd = end;
          best = k;
        }
      }
      if (best >= 0) {
        const spec = this.specs[best];
        return {
          start,
          end: bestEnd,
          redactStart: start,
          redactEnd: bestEnd,
          rule: spec.rule,
          priority: spec.priority,
        };
      }
      any.lastIndex = start + 1; // only an empty alternative matched here (rejected at compile time)
    }
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
