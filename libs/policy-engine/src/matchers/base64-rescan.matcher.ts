import { asciiSet } from '../normalize/char-tables';
import { adoptCodeUnits, codeUnits } from '../normalize/code-units';
import { DetectorGroupMatcher, type DetectorEntry } from './detector-group.matcher';
import { type Candidate, compareCandidates, type Matcher } from './matcher.types';
import { SharedScan } from './shared-scan';

/** Base64 (standard and URL-safe) characters; '=' padding is handled apart. */
const B64 = asciiSet('A-Za-z0-9+/_\\-');
const PAD = 61;
/** Shortest run worth decoding: 20 characters hide 15 bytes (a short password assignment, a card number). */
export const MIN_BASE64_RUN = 20;
/** Longest run decoded; longer runs (images, archives) are left alone, which keeps the work bounded. */
export const MAX_BASE64_RUN = 4096;

function isB64(c: number): boolean {
  return c < 128 && B64[c] === 1;
}

/**
 * Decoded bytes as text when they read as text (printable ASCII, tabs, line breaks, or valid UTF-8),
 * else null: random binary almost always has a control byte early, so most runs are rejected at once.
 */
const utf8 = new TextDecoder('utf-8');
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
  // Not fatal mode: an exception per rejected run would cost more than the whole search.
  const text = utf8.decode(bytes);
  return text.includes('\uFFFD') ? null : text;
}

/** A short string's own code units (bytes when ASCII), so converting it leaves the shared buffers alone. */
function unitsOf(s: string): Uint8Array | Uint16Array {
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 128;
  const units = ascii ? new Uint8Array(s.length) : new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  return units;
}

/** A run of base64 characters: [start, end) with its '=' padding, the characters decoded in `text`. */
interface Run {
  start: number;
  end: number;
  encoded: string;
  /** Decoded text; undefined until needed, null when the bytes are not text. */
  decoded?: string | null;
}

/**
 * The base64 runs of a text from some position on, found once and shared by the plan's lanes (each lane
 * has its own Base64RescanMatcher; they all search the same text). Runs are found by probing every
 * MIN-th position (any run of MIN characters contains a probe), so prose costs about one character read
 * in MIN plus the words the probes land in. Cleared with the plan's shared scan at each evaluation.
 */
export class Base64Runs {
  private text: string | null = null;
  private from = 0;
  private runs: Run[] = [];
  private readonly spans: Spans = { at: new Int32Array(48) };

  constructor(scan: SharedScan) {
    scan.onForget(() => {
      this.text = null;
      this.runs = [];
    });
  }

  /** Runs starting at or after `from` (a run that began before `from` is not one), in text order. */
  find(text: string, from: number): readonly Run[] {
    if (text === this.text && from >= this.from) return this.runs;
    const units = codeUnits(text);
    // Two copies of one loop so each sees a single array type (V8 optimises monomorphic access best).
    const count =
      units instanceof Uint8Array
        ? probeRuns8(units, text.length, from, this.spans)
        : probeRuns16(units, text.length, from, this.spans);
    const runs: Run[] = [];
    for (let k = 0; k < count; k++) {
      const start = this.spans.at[3 * k];
      runs.push({
        start,
        end: this.spans.at[3 * k + 2],
        encoded: text.slice(start, this.spans.at[3 * k + 1]),
      });
    }
    this.text = text;
    this.from = from;
    this.runs = runs;
    return runs;
  }
}

/** Runs found by a probe loop: (start, end of the characters, end with padding) triples. */
interface Spans {
  at: Int32Array;
}

function push(spans: Spans, count: number, s: number, e: number, end: number): number {
  if (3 * count + 3 > spans.at.length) {
    const grown = new Int32Array(spans.at.length * 2);
    grown.set(spans.at);
    spans.at = grown;
  }
  spans.at[3 * count] = s;
  spans.at[3 * count + 1] = e;
  spans.at[3 * count + 2] = end;
  return count + 1;
}

/** Probes every MIN-th position; a probe inside a run of MIN..MAX characters that starts at or after from
 * (not inside an earlier run) records it. */
function probeRuns8(units: Uint8Array, n: number, from: number, spans: Spans): number {
  let count = 0;
  let probe = from + MIN_BASE64_RUN - 1;
  while (probe < n) {
    if (B64[units[probe]] !== 1) {
      probe += MIN_BASE64_RUN;
      continue;
    }
    let s = probe;
    while (s > from && B64[units[s - 1]] === 1) s--;
    let e = probe + 1;
    while (e < n && B64[units[e]] === 1) e++;
    let end = e;
    while (end < n && end - e < 2 && units[end] === PAD) end++;
    const startsBefore = s === from && from > 0 && B64[units[from - 1]] === 1;
    const len = e - s;
    if (!startsBefore && len >= MIN_BASE64_RUN && len <= MAX_BASE64_RUN)
      count = push(spans, count, s, e, end);
    probe = end + MIN_BASE64_RUN - 1;
  }
  return count;
}

/**
 * probeRuns8 for 16-bit code units. A copy on purpose: one loop over both array types is polymorphic and
 * slower on the engine's hot path (measured when the rescan was written).
 */
function probeRuns16(units: Uint16Array, n: number, from: number, spans: Spans): number {
  let count = 0;
  let probe = from + MIN_BASE64_RUN - 1;
  while (probe < n) {
    if (B64[units[probe]] !== 1) {
      probe += MIN_BASE64_RUN;
      continue;
    }
    let s = probe;
    while (s > from && B64[units[s - 1]] === 1) s--;
    let e = probe + 1;
    while (e < n && B64[units[e]] === 1) e++;
    let end = e;
    while (end < n && end - e < 2 && units[end] === PAD) end++;
    const startsBefore = s === from && from > 0 && B64[units[from - 1]] === 1;
    const len = e - s;
    if (!startsBefore && len >= MIN_BASE64_RUN && len <= MAX_BASE64_RUN)
      count = push(spans, count, s, e, end);
    probe = end + MIN_BASE64_RUN - 1;
  }
  return count;
}

/**
 * Finds base64 runs that hide a secret or PII: a run of MIN..MAX base64 characters (plus up to two '='),
 * starting after a non-base64 character, is decoded; when the result reads as text, the lane's own
 * detectors run on it and their first finding reports the encoded span under the finding's rule (so the
 * category and action are those of the decoded value).
 */
export class Base64RescanMatcher implements Matcher {
  readonly window = MAX_BASE64_RUN + 3;
  private inner: DetectorGroupMatcher[] | null = null;

  constructor(
    private readonly entries: readonly DetectorEntry[],
    private readonly runs: Base64Runs,
  ) {}

  findNext(text: string, from: number): Candidate | null {
    const runs = this.runs.find(text, from);
    if (runs.length === 0) return null;
    // The text's code units (the shared conversion the lane's other matchers use): a rescan must not
    // convert the decoded text into the same scratch buffer, or every matcher converts the text again.
    const outer = codeUnits(text);
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (runs[mid].start < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < runs.length; k++) {
      const run = runs[k];
      if (run.decoded === undefined) run.decoded = asText(Buffer.from(run.encoded, 'base64'));
      if (run.decoded === null || run.decoded.length < 8) continue;
      adoptCodeUnits(run.decoded, unitsOf(run.decoded));
      const found = this.rescan(run.decoded);
      adoptCodeUnits(text, outer);
      if (found !== null) {
        return {
          start: run.start,
          end: run.end,
          redactStart: run.start,
          redactEnd: run.end,
          rule: found.rule,
          // A detector matching the same span directly (e.g. secret.jwt_base64) wins the tie.
          priority: found.priority + 0.5,
          generic: found.generic,
        };
      }
    }
    return null;
  }

  /** The best finding of the lane's detectors in the decoded run, or null. */
  private rescan(decoded: string): Candidate | null {
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
