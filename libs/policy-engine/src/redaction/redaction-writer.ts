import type { NormBuffer } from '../normalize/norm-buffer';
import type { LaneFinding } from '../scan/scan-lane';

/**
 * Turns decided findings into output text: original text between findings, the rule's placeholder in
 * place of each finding's redaction span (mapped back to original offsets). Used for whole texts and,
 * piece by piece, for streams, so both produce the same characters.
 */
export class RedactionWriter {
  /** Original offset up to which text has been written. */
  origPos = 0;
  private next = 0;

  constructor(private readonly placeholders: readonly string[]) {}

  /** Writes everything before normalised position `upTo` (Infinity: to the end of accepted input). */
  emit(buf: NormBuffer, findings: readonly LaneFinding[], upTo: number): string {
    const limit = upTo >= buf.normEnd ? buf.origTotal : buf.origStartOf(upTo);
    let out = '';
    while (this.next < findings.length) {
      const f = findings[this.next];
      if (f.suppressed) {
        this.next++;
        continue;
      }
      const start = buf.origStartOf(f.redactStart);
      if (start >= limit) break;
      const end = buf.origEndOf(f.redactEnd - 1);
      if (start >= this.origPos) {
        out += buf.origSlice(this.origPos, start) + this.placeholders[f.rule];
        this.origPos = end;
      } else if (end > this.origPos) {
        this.origPos = end; // overlaps the previous replacement (only when merging lanes): extend it
      }
      this.next++;
    }
    if (limit > this.origPos) {
      out += buf.origSlice(this.origPos, limit);
      this.origPos = limit;
    }
    return out;
  }
}
