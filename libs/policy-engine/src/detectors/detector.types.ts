import { PROVIDER_TOKEN_IDS } from './secret/provider-ids';

export const DETECTOR_IDS = [
  'email',
  'phone',
  'card',
  'ssn',
  'iban',
  'ip',
  'openai_key',
  'anthropic_key',
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'slack_token',
  'google_api_key',
  'stripe_key',
  'jwt',
  'private_key',
  'generic_assignment',
  ...PROVIDER_TOKEN_IDS,
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

/** Where a match (attempted at p) starts and ends, and what part of it is replaced. */
export interface MatchOut {
  /** Normally p; assignment detectors report only the value (start > p). */
  start: number;
  end: number;
  redactStart: number;
  redactEnd: number;
}

/** Per-search memo of "next index of X" so prefilters stay linear over a whole text. */
export class ScanMemo {
  private text = '';
  private nextAt = -2;
  private nextEq = -2;
  private nextColon = -2;

  reset(text: string): void {
    this.text = text;
    this.nextAt = -2;
    this.nextEq = -2;
    this.nextColon = -2;
  }

  /** Index of the next '@' at or after p, or -1. */
  at(p: number): number {
    if (this.nextAt !== -1 && this.nextAt < p) this.nextAt = this.text.indexOf('@', p);
    return this.nextAt;
  }

  /** Index of the next ':' or '=' at or after p, or -1. */
  separator(p: number): number {
    if (this.nextColon !== -1 && this.nextColon < p) this.nextColon = this.text.indexOf(':', p);
    if (this.nextEq !== -1 && this.nextEq < p) this.nextEq = this.text.indexOf('=', p);
    if (this.nextColon === -1) return this.nextEq;
    if (this.nextEq === -1) return this.nextColon;
    return Math.min(this.nextColon, this.nextEq);
  }
}

export type DetectorTrigger = 'digit' | 'upper-digit' | 'at' | 'separator' | 'colon' | 'prefix';

/**
 * A built-in detector: data plus small pure functions (a detector table, not a class hierarchy).
 * `match` is only tried at positions whose character is in `start` and (unless `midWord`) whose previous
 * character is not an ASCII word character.
 */
export interface DetectorDef {
  readonly id: DetectorId;
  readonly category: string;
  readonly placeholder: string;
  /** Characters a match can start with (all ASCII). */
  readonly start: Uint8Array;
  /** Every character a match attempt can read before deciding, except the trailing look-ahead. */
  readonly token: Uint8Array;
  readonly maxLength: number;
  /** Characters read after the match end to decide it (word boundary checks). */
  readonly lookahead: number;
  readonly midWord?: boolean;
  /**
   * How far before the reported start an attempt can begin (assignment detectors attempt at the key name
   * but report the value). Searches from `from` also attempt this far back, so the set of findings never
   * depends on where a search started.
   */
  readonly backReach?: number;
  /** Characters allowed right after the first one (a cheap table check before any call). */
  readonly second?: Uint8Array;
  /**
   * Where the scanner looks for attempts (it never walks the text character by character in JS for
   * anything else): `digit` a digit not preceded by a word character (attempt there; phone also at a
   * `+`/`(` right before it); `upper-digit` a digit after an upper-case letter (attempt 2 back: IBAN);
   * `at` an '@' (attempt at the start of the local part); `separator` a ':' or '=' (attempts over the
   * identifier before it, up to `backReach` + 16 back); `colon` a ':' (attempt at the start of the hex
   * group before it: IPv6); `prefix` a rare two-character piece of one of `prefixes`. Every position where
   * `match` can succeed must be reachable from a trigger (the differential test checks it).
   */
  readonly triggers: readonly DetectorTrigger[];
  /**
   * Every match holds at least this many digits within its first `maxLength` characters of `token`s from
   * the attempt position: a cheap count rules out short numbers before `match` runs.
   */
  readonly minDigits?: number;
  /** Literal prefixes, one of which every match starts with (for the `prefix` trigger). */
  readonly prefixes?: readonly string[];
  /** Cheap necessary condition, checked before `match`. */
  quick?(text: string, p: number, memo: ScanMemo): boolean;
  /** Could a match start at p, given only the text seen so far? Must over-approximate. */
  viablePrefix?(text: string, p: number): boolean;
  match(text: string, p: number, out: MatchOut): boolean;
}

/** Helper: is text[p..] consistent with one of the literal prefixes (as far as text goes)? */
export function prefixConsistent(text: string, p: number, prefixes: readonly string[]): boolean {
  outer: for (const prefix of prefixes) {
    const n = Math.min(prefix.length, text.length - p);
    for (let k = 0; k < n; k++) {
      if (text.charCodeAt(p + k) !== prefix.charCodeAt(k)) continue outer;
    }
    return true;
  }
  return false;
}

/** Runs a sticky regex at p; on success fills `out` with the whole match. */
export function stickyMatch(re: RegExp, text: string, p: number, out: MatchOut): RegExpExecArray | null {
  re.lastIndex = p;
  const m = re.exec(text);
  if (!m) return null;
  out.start = p;
  out.end = p + m[0].length;
  out.redactStart = p;
  out.redactEnd = out.end;
  return m;
}
