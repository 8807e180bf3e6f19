import { adoptCodeUnits, codeUnits } from '../normalize/code-units';
import { AhoCorasick, type AhoCorasickTables } from './aho-corasick';

/**
 * A SharedScan's built state (the automaton and its owner table): typed arrays and numbers only, so a
 * worker thread can build it and transfer it. `patterns`/`patternChars` identify what it was built from.
 */
export interface ScanTables {
  ac: AhoCorasickTables;
  owners: Int32Array;
  patterns: number;
  patternChars: number;
}

/** What one pass over a text found: positions to look at, in text order. */
export interface ScanEvents {
  readonly units: Uint8Array | Uint16Array;
  /** Positions whose (previous, current) character pair is a trigger of some detector group. */
  readonly pairAt: Int32Array;
  readonly pairCount: number;
  /** End positions (exclusive) where the automaton reached a state with output, and that state. */
  readonly hitEnd: Int32Array;
  readonly hitState: Int32Array;
  readonly hitCount: number;
}

/**
 * The one character-by-character pass of an evaluation, shared by every matcher of a target plan: a
 * single Aho-Corasick automaton over all denylist/allowlist terms and injection trigger words, fused with
 * the detector groups' trigger-pair table. Matchers then only visit the recorded events (binary search to
 * their start, see `firstAtOrAfter`), so the text is walked once however many lanes and matchers exist.
 * Results are cached for the last text (lanes call findNext many times on the same string).
 */
export class SharedScan {
  private automaton: AhoCorasick | null = null;
  private readonly patterns: string[] = [];
  /** Owner bit of each registered range (matchers registered after the 31st share bit 31). */
  private readonly rangeEnds: number[] = [];
  private owners: Int32Array = new Int32Array(1);
  /** Union of the detector groups' trigger pairs: 1 where any group has a trigger. */
  readonly pairs = new Uint8Array(65536);
  private hasPairs = false;
  private lastText: string | null = null;
  private readonly forgetHooks: (() => void)[] = [];
  private events: ScanEvents | null = null;
  private pairAt: Int32Array = new Int32Array(256);
  private hitEnd: Int32Array = new Int32Array(256);
  private hitState: Int32Array = new Int32Array(256);
  private readonly sink: Sink = {
    pairAt: this.pairAt,
    hitEnd: this.hitEnd,
    hitState: this.hitState,
    pairCount: 0,
    hitCount: 0,
  };

  /** Registers a matcher's patterns (before the first scan); returns the id of the first one. */
  addPatterns(patterns: readonly string[]): number {
    if (this.automaton !== null) throw new Error('SharedScan is sealed');
    const offset = this.patterns.length;
    this.patterns.push(...patterns);
    this.rangeEnds.push(this.patterns.length);
    return offset;
  }

  /** The bit a matcher tests in `stateOwners` (its registration order; see addPatterns). */
  ownerBit(offset: number): number {
    let k = 0;
    while (this.rangeEnds[k] <= offset) k++;
    return 1 << Math.min(k, 31);
  }

  /**
   * Per automaton state, the owner bits of every pattern ending there (own or via suffix links): a
   * matcher skips other matchers' hits with one lookup.
   */
  get stateOwners(): Int32Array {
    void this.ac;
    return this.owners;
  }

  private buildOwners(ac: AhoCorasick): Int32Array {
    const states = ac.depth.length;
    const order = Array.from({ length: states }, (_v, i) => i).sort((a, b) => ac.depth[a] - ac.depth[b]);
    const owners = new Int32Array(states);
    const bitOf = new Int32Array(this.patterns.length);
    let k = 0;
    for (let id = 0; id < this.patterns.length; id++) {
      while (this.rangeEnds[k] <= id) k++;
      bitOf[id] = 1 << Math.min(k, 31);
    }
    for (const s of order) {
      let mask = s === 0 ? 0 : owners[ac.dictLink[s]];
      for (let j = ac.ownStart[s]; j < ac.ownStart[s + 1]; j++) mask |= bitOf[ac.ownItems[j]];
      owners[s] = mask;
    }
    return owners;
  }

  /** Every typed array of the built state (for a transfer list). */
  static buffersOf(tables: ScanTables): ArrayBuffer[] {
    const { ac } = tables;
    return [
      ac.symbolOf,
      ac.next,
      ac.depth,
      ac.ownStart,
      ac.ownItems,
      ac.dictLink,
      ac.hasOutput,
      ac.patternLength,
      tables.owners,
    ].map((array) => array.buffer as ArrayBuffer);
  }

  private patternChars(): number {
    let total = 0;
    for (const p of this.patterns) total += p.length;
    return total;
  }

  /** The built state, building it if needed. */
  tables(): ScanTables {
    const ac = this.ac;
    return {
      ac: ac.tables(),
      owners: this.owners,
      patterns: this.patterns.length,
      patternChars: this.patternChars(),
    };
  }

  /**
   * Seals the scan with state built elsewhere from the same patterns (a worker thread compiling the same
   * config). Tables built from other patterns are refused (false) and the scan builds its own.
   */
  adopt(tables: ScanTables): boolean {
    if (this.automaton !== null) return false;
    if (tables.patterns !== this.patterns.length || tables.patternChars !== this.patternChars()) return false;
    this.automaton = AhoCorasick.fromTables(tables.ac);
    this.owners = tables.owners;
    return true;
  }

  /** The automaton over all registered patterns (built on first use). */
  get ac(): AhoCorasick {
    if (this.automaton === null) {
      this.automaton = new AhoCorasick(this.patterns);
      this.owners = this.buildOwners(this.automaton);
    }
    return this.automaton;
  }

  addPairs(table: Uint8Array): void {
    if (this.automaton !== null) throw new Error('SharedScan is sealed');
    for (let k = 0; k < 65536; k++) {
      if (table[k] !== 0) {
        this.pairs[k] = 1;
        this.hasPairs = true;
      }
    }
  }

  /**
   * Drops the cached result. Called when an evaluation starts: the cache is meant for the many calls of
   * one evaluation, not to skip work when the same string is evaluated again (which would also flatter
   * benchmarks that evaluate one text repeatedly).
   */
  forget(): void {
    this.lastText = null;
    this.events = null;
    for (const hook of this.forgetHooks) hook();
  }

  /** Other per-evaluation caches of the plan (see Base64Runs) are dropped with this one. */
  onForget(hook: () => void): void {
    this.forgetHooks.push(hook);
  }

  scan(text: string): ScanEvents {
    // codeUnits is a shared scratch buffer: fetch it again even on a cache hit (another plan may have
    // converted another text in between).
    const units = codeUnits(text);
    const cached = this.events;
    if (text === this.lastText && cached !== null) {
      if (cached.units !== units) this.events = { ...cached, units };
      return this.events as ScanEvents;
    }
    const n = text.length;
    const { next, symbolOf, width } = this.ac;
    const pairs = this.pairs;
    const scanPairs = this.hasPairs;
    const scanTerms = width > 1;
    this.sink.pairAt = this.pairAt;
    this.sink.hitEnd = this.hitEnd;
    this.sink.hitState = this.hitState;
    let pairAt = this.pairAt;
    let hitEnd = this.hitEnd;
    let hitState = this.hitState;
    let pairCount = 0;
    let hitCount = 0;
    let row = 0;
    let prev = 0;
    // Loop variants so the common cases carry no dead work per character. ASCII texts come as bytes,
    // which index the pair table directly; wider code units are clamped to 128 ("non-ASCII").
    if (scanPairs && scanTerms && units instanceof Uint8Array) {
      const out = fusedAsciiScan(units, n, next, symbolOf, pairs, width, this.sink);
      pairAt = out.pairAt;
      hitEnd = out.hitEnd;
      hitState = out.hitState;
      pairCount = out.pairCount;
      hitCount = out.hitCount;
    } else if (scanPairs && scanTerms) {
      for (let i = 0; i < n; i++) {
        const c = units[i];
        row = next[row + symbolOf[c]];
        const cc = c < 128 ? c : 128;
        const pair = pairs[(prev << 8) | cc];
        prev = cc;
        if (row < 0) {
          row = ~row;
          if (hitCount === hitEnd.length) [hitEnd, hitState] = [grow(hitEnd), grow(hitState)];
          hitEnd[hitCount] = i + 1;
          hitState[hitCount++] = row / width;
        }
        if (pair !== 0) {
          if (pairCount === pairAt.length) pairAt = grow(pairAt);
          pairAt[pairCount++] = i;
        }
      }
    } else if (scanPairs && units instanceof Uint8Array) {
      this.sink.pairAt = pairAt;
      pairCount = asciiPairScan(units, n, pairs, this.sink);
      pairAt = this.sink.pairAt;
    } else if (scanPairs) {
      for (let i = 0; i < n; i++) {
        const c = units[i];
        const cc = c < 128 ? c : 128;
        const pair = pairs[(prev << 8) | cc];
        prev = cc;
        if (pair !== 0) {
          if (pairCount === pairAt.length) pairAt = grow(pairAt);
          pairAt[pairCount++] = i;
        }
      }
    } else if (scanTerms) {
      for (let i = 0; i < n; i++) {
        row = next[row + symbolOf[units[i]]];
        if (row < 0) {
          row = ~row;
          if (hitCount === hitEnd.length) [hitEnd, hitState] = [grow(hitEnd), grow(hitState)];
          hitEnd[hitCount] = i + 1;
          hitState[hitCount++] = row / width;
        }
      }
    }
    this.pairAt = pairAt;
    this.hitEnd = hitEnd;
    this.hitState = hitState;
    this.lastText = text;
    this.events = { units, pairAt, pairCount, hitEnd, hitState, hitCount };
    return this.events;
  }

  /**
   * Stream use: `text` (starting at absolute `base`) is the text `stream` last covered minus its first
   * `base - stream.base` characters, plus new characters at the end. Walks only the new characters, from the
   * automaton and pair state the stream ended in, and makes the result what `scan(text)` returns.
   *
   * The events differ from a pass started at the text's first character only where that makes no
   * difference to a matcher: the carried automaton state also reports patterns that begin before the text
   * (matchers skip hits starting before their search position), and the trigger pair at position 0 is
   * the real one (lanes never search that close to a trimmed text's start: `TargetPlan.context`).
   */
  follow(stream: StreamScan, text: string, base: number): void {
    stream.shift(base - stream.base);
    const n = text.length;
    if (stream.units.length < n) stream.resize(Math.max(n, stream.units.length * 2), false);
    const { next, symbolOf, width } = this.ac;
    const pairs = this.pairs;
    const scanPairs = this.hasPairs;
    const scanTerms = width > 1;
    const ev = stream.events;
    let units = stream.units;
    let row = stream.row;
    let prev = stream.prev;
    for (let i = stream.length; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128 && units instanceof Uint8Array) {
        stream.length = i;
        units = stream.resize(units.length, true);
      }
      units[i] = c;
      if (scanTerms) {
        row = next[row + symbolOf[c]];
        if (row < 0) {
          row = ~row;
          if (ev.hitCount === ev.hitEnd.length) {
            ev.hitEnd = grow(ev.hitEnd);
            ev.hitState = grow(ev.hitState);
          }
          ev.hitEnd[ev.hitCount] = i + 1;
          ev.hitState[ev.hitCount++] = (row / width) | 0;
        }
      }
      const cc = c < 128 ? c : 128;
      if (scanPairs && pairs[(prev << 8) | cc] !== 0) {
        if (ev.pairCount === ev.pairAt.length) ev.pairAt = grow(ev.pairAt);
        ev.pairAt[ev.pairCount++] = i;
      }
      prev = cc;
    }
    stream.row = row;
    stream.prev = prev;
    stream.length = n;
    adoptCodeUnits(text, units);
    this.lastText = text;
    this.events = ev;
  }
}

/**
 * The shared pass of one stream (sessions of one plan may interleave, so this lives in the session):
 * the text's code units, the events found so far and the automaton / trigger-pair state at the end, so a
 * push walks only the new characters. Positions are relative to `base`, like the text the lanes see.
 */
export class StreamScan {
  /** Bytes while the text is ASCII (as whole-text evaluations see it), 16-bit units from the first other. */
  units: Uint8Array | Uint16Array = new Uint8Array(256);
  length = 0;
  base = 0;
  /** Automaton row and (clamped) previous code unit after `length` characters. */
  row = 0;
  prev = 0;
  readonly events = {
    units: this.units,
    pairAt: new Int32Array(64),
    pairCount: 0,
    hitEnd: new Int32Array(64),
    hitState: new Int32Array(64),
    hitCount: 0,
  };

  /** New units array of `capacity` (16-bit when `wide`, else the current kind) holding the current units. */
  resize(capacity: number, wide: boolean): Uint8Array | Uint16Array {
    const units =
      wide || this.units instanceof Uint16Array ? new Uint16Array(capacity) : new Uint8Array(capacity);
    units.set(this.units.subarray(0, this.length));
    this.units = units;
    this.events.units = units;
    return units;
  }

  /** Drops the first `cut` characters: units and events move down, events before the cut go. */
  shift(cut: number): void {
    if (cut <= 0) return;
    const ev = this.events;
    this.units.copyWithin(0, cut, this.length);
    this.length -= cut;
    this.base += cut;
    let k = 0;
    for (let e = 0; e < ev.pairCount; e++) if (ev.pairAt[e] >= cut) ev.pairAt[k++] = ev.pairAt[e] - cut;
    ev.pairCount = k;
    k = 0;
    for (let e = 0; e < ev.hitCount; e++) {
      if (ev.hitEnd[e] <= cut) continue;
      ev.hitEnd[k] = ev.hitEnd[e] - cut;
      ev.hitState[k++] = ev.hitState[e];
    }
    ev.hitCount = k;
  }
}

interface Sink {
  pairAt: Int32Array;
  hitEnd: Int32Array;
  hitState: Int32Array;
  pairCount: number;
  hitCount: number;
}

/**
 * The hot loop for ASCII texts (kept small and monomorphic so V8 optimises it well): one automaton step
 * and one pair-table lookup per byte, a single sign test to leave the loop body.
 */
function fusedAsciiScan(
  units: Uint8Array,
  n: number,
  next: Int32Array,
  symbolOf: Uint16Array,
  pairs: Uint8Array,
  width: number,
  sink: Sink,
): Sink {
  let { pairAt, hitEnd, hitState } = sink;
  let pairCount = 0;
  let hitCount = 0;
  let row = 0;
  let key = 0;
  for (let i = 0; i < n; i++) {
    const c = units[i];
    row = next[row + symbolOf[c]];
    key = ((key << 8) | c) & 0xffff;
    const pair = pairs[key];
    if (row >= 0 && pair === 0) continue;
    if (row < 0) {
      row = ~row;
      if (hitCount === hitEnd.length) {
        hitEnd = grow(hitEnd);
        hitState = grow(hitState);
      }
      hitEnd[hitCount] = i + 1;
      hitState[hitCount++] = (row / width) | 0;
    }
    if (pair !== 0) {
      if (pairCount === pairAt.length) pairAt = grow(pairAt);
      pairAt[pairCount++] = i;
    }
  }
  sink.pairAt = pairAt;
  sink.hitEnd = hitEnd;
  sink.hitState = hitState;
  sink.pairCount = pairCount;
  sink.hitCount = hitCount;
  return sink;
}

/** Trigger pairs only (no terms or injection triggers in the plan), ASCII texts. */
function asciiPairScan(units: Uint8Array, n: number, pairs: Uint8Array, sink: Sink): number {
  let pairAt = sink.pairAt;
  let pairCount = 0;
  let key = 0;
  for (let i = 0; i < n; i++) {
    key = ((key << 8) | units[i]) & 0xffff;
    if (pairs[key] === 0) continue;
    if (pairCount === pairAt.length) pairAt = grow(pairAt);
    pairAt[pairCount++] = i;
  }
  sink.pairAt = pairAt;
  return pairCount;
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** First index in sorted `a[0..count)` whose value is >= x (count when none). */
export function firstAtOrAfter(a: Int32Array, count: number, x: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The ArrayBuffers under a ScanTables (the transfer list when posting it to another thread). */
export const scanTableBuffers = (tables: ScanTables): ArrayBuffer[] => SharedScan.buffersOf(tables);
