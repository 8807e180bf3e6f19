import { needsNormalization, normalizeCodePoint } from './normalize-char';

/**
 * Original text and its normalised form, appendable chunk by chunk and trimmable from the front, with an
 * offset map from every normalised character back to the original code point that produced it.
 * Positions are absolute (counted from the start of the stream), so findings never need rebasing.
 *
 * While everything seen so far maps one to one (pure printable ASCII: the common case) no per-character
 * map is kept at all: original = normalised + `delta`.
 */
export class NormBuffer {
  /** Normalised text from `normBase`. */
  norm = '';
  normBase = 0;
  /** Original text from `origBase` (kept only until it has been released; see origIsNorm). */
  private orig = '';
  origBase = 0;
  /** Original code units accepted so far (excludes a dangling high surrogate). */
  origTotal = 0;

  private delta = 0;
  /**
   * True while nothing seen needed normalisation: the original text then equals the normalised one
   * (delta 0), so `orig` is not kept at all and original slices come from `norm` (no second string to
   * concatenate, flatten and trim on every chunk).
   */
  private origIsNorm = true;
  private starts: number[] | null = null;
  private ends: number[] | null = null;
  private danglingHigh = '';

  get normEnd(): number {
    return this.normBase + this.norm.length;
  }

  append(input: string): void {
    let chunk = this.danglingHigh + input;
    this.danglingHigh = '';
    const last = chunk.charCodeAt(chunk.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      // Wait for the low surrogate so the code point is normalised whole.
      this.danglingHigh = chunk[chunk.length - 1];
      chunk = chunk.slice(0, -1);
    }
    this.accept(chunk);
  }

  /** Releases a dangling high surrogate at end of stream. */
  flush(): void {
    if (!this.danglingHigh) return;
    const rest = this.danglingHigh;
    this.danglingHigh = '';
    this.accept(rest);
  }

  private accept(chunk: string): void {
    if (chunk.length === 0) return;
    const origStart = this.origTotal;
    const plain = !needsNormalization(chunk);
    if (this.origIsNorm && !plain) {
      this.orig = this.norm.slice(this.origBase - this.normBase);
      this.origIsNorm = false;
    }
    if (!this.origIsNorm) this.orig += chunk;
    this.origTotal += chunk.length;
    if (plain) {
      this.norm += chunk;
      if (this.starts && this.ends) {
        for (let i = 0; i < chunk.length; i++) {
          this.starts.push(origStart + i);
          this.ends.push(origStart + i + 1);
        }
      }
      return;
    }
    const starts = this.materialize();
    const ends = this.ends as number[];
    let out = '';
    for (let i = 0; i < chunk.length;) {
      const cp = chunk.codePointAt(i) ?? 0;
      const width = cp > 0xffff ? 2 : 1;
      const mapped = normalizeCodePoint(cp);
      out += mapped;
      for (let k = 0; k < mapped.length; k++) {
        starts.push(origStart + i);
        ends.push(origStart + i + width);
      }
      i += width;
    }
    this.norm += out;
  }

  private materialize(): number[] {
    if (this.starts) return this.starts;
    const starts: number[] = new Array(this.norm.length);
    const ends: number[] = new Array(this.norm.length);
    for (let i = 0; i < this.norm.length; i++) {
      starts[i] = this.normBase + i + this.delta;
      ends[i] = starts[i] + 1;
    }
    this.starts = starts;
    this.ends = ends;
    return starts;
  }

  /** Original offset where normalised character `abs` starts; `normEnd` maps to the end of accepted input. */
  origStartOf(abs: number): number {
    if (abs >= this.normEnd) return this.origTotal;
    if (!this.starts) return abs + this.delta;
    return this.starts[abs - this.normBase];
  }

  /** Original offset just after the code point that produced normalised character `abs`. */
  origEndOf(abs: number): number {
    if (!this.ends) return abs + this.delta + 1;
    return this.ends[abs - this.normBase];
  }

  /** Drops normalised text before `abs` (the map goes with it). */
  trimNorm(abs: number): void {
    const cut = abs - this.normBase;
    if (cut <= 0) return;
    this.norm = this.norm.slice(cut);
    this.normBase = abs;
    if (this.starts && this.ends) {
      this.starts.splice(0, cut);
      this.ends.splice(0, cut);
      this.tryDropMap();
    }
  }

  /** Drops original text before `abs` (already released to the caller). */
  trimOrig(abs: number): void {
    const cut = abs - this.origBase;
    if (cut <= 0) return;
    if (!this.origIsNorm) this.orig = this.orig.slice(cut);
    this.origBase = abs;
  }

  /** Original text between two absolute original offsets (must not be trimmed yet). */
  origSlice(from: number, to: number): string {
    if (this.origIsNorm) return this.norm.slice(from - this.normBase, to - this.normBase);
    return this.orig.slice(from - this.origBase, to - this.origBase);
  }

  private tryDropMap(): void {
    const starts = this.starts as number[];
    const ends = this.ends as number[];
    const delta = this.origTotal - this.normEnd;
    for (let i = 0; i < starts.length; i++) {
      const expected = this.normBase + i + delta;
      if (starts[i] !== expected || ends[i] !== expected + 1) return;
    }
    this.starts = null;
    this.ends = null;
    this.delta = delta;
  }
}
