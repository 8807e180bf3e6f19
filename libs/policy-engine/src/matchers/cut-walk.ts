/**
 * The backward half of a bitmask `pendingFrom` (detector group, regex group) for searches that start
 * near the text end, as a stream's lanes make them.
 *
 * Member k (bit k) looks at [lo_k, n) with lo_k = max(from, n - window_k + 1), has a set of token
 * characters and a look-ahead: the last non-token character in [lo_k, n - max(lookahead, 1)] ends every
 * attempt starting at or before it, so only later positions can still change (from lo_k when there is no
 * such character). One walk from the text end finds that start for all members at once; members that
 * start at the same position (typically right after a blank) share one record, so the forward half meets a
 * handful of records instead of one start position per member.
 */
export class CutWalk {
  /** Longest distance from the text end to `from` that walk() accepts. */
  static readonly REACH = 256;
  /** After walk(): records in walk order (their start positions decrease), each the members starting there. */
  readonly recFrom = new Int32Array(32);
  readonly recBits = new Int32Array(32);
  recs = 0;
  private readonly tokenLow: Int32Array;
  /** Per distance d = n - x below maxCutBack: the members whose cut may lie at x. */
  private readonly cutReady: Int32Array;
  private readonly maxCutBack: number;
  /** Per distance d = n - x up to REACH: the members whose window starts after x (lo_k > x). */
  private readonly expired = new Int32Array(CutWalk.REACH + 1);
  private readonly minWindow: number;

  /**
   * @param tokenMask per code unit, the members whose token set holds it
   * @param lookaheads per member (index = bit)
   * @param windows per member: its window (longest match plus look-ahead)
   */
  constructor(
    private readonly tokenMask: Int32Array,
    lookaheads: readonly number[],
    windows: readonly number[],
  ) {
    this.tokenLow = tokenMask.slice(0, 128);
    const cutBacks = lookaheads.map((la) => Math.max(la, 1));
    this.maxCutBack = cutBacks.reduce((m, b) => Math.max(m, b), 1);
    this.cutReady = new Int32Array(this.maxCutBack);
    for (let d = 0; d < this.maxCutBack; d++) {
      cutBacks.forEach((b, k) => {
        if (b <= d) this.cutReady[d] |= 1 << k;
      });
    }
    this.minWindow = windows.reduce((m, w) => Math.min(m, w), Infinity);
    for (let d = 0; d <= CutWalk.REACH; d++) {
      windows.forEach((w, k) => {
        if (w <= d) this.expired[d] |= 1 << k;
      });
    }
  }

  /**
   * Walks back from the end of a text (its `n` code units) to `from` (at most REACH characters) for the
   * members in `open`.
   * Returns the members whose scan starts at `from`; the others are in the records (scan from recFrom).
   */
  walk(units: Uint8Array | Uint16Array, n: number, from: number, open: number): number {
    const { tokenLow, tokenMask, cutReady, maxCutBack, expired, minWindow, recFrom, recBits } = this;
    let recs = 0;
    for (let x = n - 1; x >= from && open !== 0; x--) {
      const d = n - x;
      const c = units[x];
      let cut = open & ~(c < 128 ? tokenLow[c] : tokenMask[c]);
      if (d < maxCutBack) cut &= cutReady[d]; // in a member's look-ahead: not its cut
      if (d >= minWindow) cut |= open & expired[d]; // x is before the member's window: it starts at x + 1
      if (cut === 0) continue;
      recFrom[recs] = x + 1;
      recBits[recs++] = cut;
      open &= ~cut;
    }
    this.recs = recs;
    return open;
  }
}
