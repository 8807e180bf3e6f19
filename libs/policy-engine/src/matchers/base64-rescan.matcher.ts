import { asciiSet } from '../normalize/char-tables';
import { DetectorGroupMatcher, type DetectorEntry } from './detector-group.matcher';
import { type Candidate, compareCandidates, type Matcher } from './matcher.types';
import { SharedScan } from './shared-scan';

/** Base64 (standard and URL-safe) characters; '=' padding is handled apart. */
const B64 = asciiSet('A-Za-z0-9+/_\\-');
const PAD = 61;
/** Shortest run worth decoding: 16 characters hide 12 bytes (an SSN, a short password assignment). */
export const MIN_BASE64_RUN = 16;
/** Longest run decoded; longer runs (images, archives) are left alone, which keeps the work bounded. */
export const MAX_BASE64_RUN = 4096;

function isB64(c: number): boolean {
  return c < 128 && B64[c] === 1;
}

/**
 * Decoded bytes as text when they read as text (printable ASCII, tabs, line breaks, or valid UTF-8),
 * else null: random binary almost always has a control byte early, so most runs are rejected at once.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
function asText(bytes: Uint8Array): string | null {
  let high = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f) continue;
    if (b === 9 || b === 10 || b === 13) continue;
    if (b >= 0x80) {
      high = true;
      continue;
    }
    return null;
  }
  if (!high) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Finds base64 runs that hide a secret or PII: a run of MIN..MAX base64 characters (plus up to two '='),
 * starting after a non-base64 character, is decoded; when the result reads as text, the lane's own
 * detectors run on it and their first finding reports the encoded span under the finding's rule (so the
 * category and action are those of the decoded value). Runs are found by probing every MIN-th position
 * (any run of MIN characters contains a probe), so prose costs about one character read in MIN.
 */
export class Base64RescanMatcher implements Matcher {
  readonly window = MAX_BASE64_RUN + 3;
  private inner: DetectorGroupMatcher[] | null = null;

  constructor(private readonly entries: readonly DetectorEntry[]) {}

  findNext(text: string, from: number): Candidate | null {
    const n = text.length;
    let probe = from + MIN_BASE64_RUN - 1;
    while (probe < n) {
      if (!isB64(text.charCodeAt(probe))) {
        probe += MIN_BASE64_RUN;
        continue;
      }
      let s = probe;
      while (s > from && isB64(text.charCodeAt(s - 1))) s--;
      let e = probe + 1;
      while (e < n && isB64(text.charCodeAt(e))) e++;
      let end = e;
      while (end < n && end - e < 2 && text.charCodeAt(end) === PAD) end++;
      const startsBefore = s === from && from > 0 && isB64(text.charCodeAt(from - 1));
      const len = e - s;
      if (!startsBefore && len >= MIN_BASE64_RUN && len <= MAX_BASE64_RUN) {
        const found = this.rescan(text.slice(s, e));
        if (found !== null) {
          return {
            start: s,
            end,
            redactStart: s,
            redactEnd: end,
            rule: found.rule,
            // A detector matching the same span directly (e.g. secret.jwt_base64) wins the tie.
            priority: found.priority + 0.5,
            generic: found.generic,
          };
        }
      }
      probe = end + MIN_BASE64_RUN - 1;
    }
    return null;
  }

  /** The best finding of the lane's detectors in the decoded run, or null. */
  private rescan(run: string): Candidate | null {
    const decoded = asText(Buffer.from(run, 'base64'));
    if (decoded === null || decoded.length < 8) return null;
    this.inner ??= this.buildInner();
    let best: Candidate | null = null;
    for (const m of this.inner) {
      const c = m.findNext(decoded, 0);
      if (c !== null && (best === null || compareCandidates(c, best) < 0)) best = c;
    }
    return best;
  }

  /** Own detector groups with their own shared scan (built on the first decoded run). */
  private buildInner(): DetectorGroupMatcher[] {
    const scan = new SharedScan();
    const groups: DetectorGroupMatcher[] = [];
    for (let i = 0; i < this.entries.length; i += DetectorGroupMatcher.MAX) {
      groups.push(new DetectorGroupMatcher(this.entries.slice(i, i + DetectorGroupMatcher.MAX), scan));
    }
    void scan.ac;
    return groups;
  }

  /**
   * Only a run reaching the end of the text can still change (it may grow, or get its padding); a run
   * already longer than MAX stays rejected.
   */
  pendingFrom(text: string, from: number): number {
    const n = text.length;
    let s = n;
    while (s > from && n - s < 2 && text.charCodeAt(s - 1) === PAD) s--;
    if (n - s === 2) return n; // two '=': the run before them is decided
    const runEnd = s;
    const stop = Math.max(from, runEnd - MAX_BASE64_RUN - 1);
    while (s > stop && isB64(text.charCodeAt(s - 1))) s--;
    if (s === runEnd) return n;
    if (s === stop && stop > from) return n; // already longer than any run decoded
    return s;
  }
}
