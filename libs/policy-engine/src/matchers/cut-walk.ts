/**
 * The backward half of a bitmask `pendingFrom` (detector group, regex group) for the common case where
 * every member's window reaches back past the search start, so all members look at the same [lo, n).
 *
 * Member k (bit k) has a set of token characters and a look-ahead: the last non-token character at or
 * before n - max(lookahead, 1) ends every attempt starting at or before it, so only later positions can
 * still change. One walk from the text end finds that cut for all members at once; members cut at the same
 * character (typically a blank) share one record, so the forward half only meets a handful of records
 * instead of one start position per member.
 */
export class CutWalk {
  /** After walk(): records in walk order (their start positions decrease), each the members cut there. */
  readonly recFrom = new Int32Array(32);
  readonly recBits = new Int32Array(32);
  recs = 0;
  private readonly tokenLow: Int32Array;
  /** Per distance d = n - x below maxCutBack: the members whose cut may lie at x. */
  private readonly cutReady: Int32Array;
  private readonly maxCutBack: number;

  /**
   * @param tokenMask per code unit, the members whose token set holds it
   * @param lookaheads per member (index = bit)
   */
  constructor(
    private readonly tokenMask: Int32Array,
    lookaheads: readonly number[],
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
  }

  /**
   * Walks back from the end of `text` to `lo` for the members in `open`. Returns the members without a
   * cut in [lo, n) (their scan starts at lo); the others are in the records (their scan starts at recFrom).
   */
  walk(text: string, lo: number, open: number): number {
    const n = text.length;
    const { tokenLow, tokenMask, cutReady, maxCutBack, recFrom, recBits } = this;
    let recs = 0;
    for (let x = n - 1; x >= lo && open !== 0; x--) {
      const c = text.charCodeAt(x);
      let cut = open & ~(c < 128 ? tokenLow[c] : tokenMask[c]);
      if (cut === 0) continue;
      if (n - x < maxCutBack) cut &= cutReady[n - x]; // in a member's look-ahead: not its cut
      if (cut === 0) continue;
      recFrom[recs] = x + 1;
      recBits[recs++] = cut;
      open &= ~cut;
    }
    this.recs = recs;
    return open;
  }
}
