import type { DetectorDef, MatchOut, ScanMemo } from '../detectors/detector.types';

/** Most detectors in one group: per-detector state lives in bitmasks of a 32-bit integer. */
export const MAX_GROUP_DETECTORS = 31;

export interface DetectorEntry {
  def: DetectorDef;
  rule: number;
  priority: number;
}

type QuickFn = (text: string, p: number, memo: ScanMemo) => boolean;
type ViableFn = (text: string, p: number) => boolean;
type MatchFn = (text: string, p: number, out: MatchOut) => boolean;

/**
 * A detector definition flattened into one object shape: definitions are literals of many shapes, and
 * reading their fields in the hot loops through one (megamorphic) access site costs more than the loops.
 */
export class FlatDetector {
  readonly start: Uint8Array;
  readonly second: Uint8Array | null;
  readonly token: Uint8Array;
  readonly maxLength: number;
  readonly lookahead: number;
  /** backReach, or 0; `reaches` tells whether it was given at all. */
  readonly backReach: number;
  readonly reaches: boolean;
  /** minDigits, or 0 when not given. */
  readonly minDigits: number;
  readonly midWord: boolean;
  readonly quick: QuickFn | null;
  readonly viable: ViableFn | null;
  readonly match: MatchFn;
  readonly isIp: boolean;
  readonly isAws: boolean;
  /** The generic assignment detector: any specific detector wins an overlap with it. */
  readonly isGeneric: boolean;
  readonly rule: number;
  readonly priority: number;

  constructor(entry: DetectorEntry) {
    const def = entry.def;
    this.start = def.start;
    this.second = def.second ?? null;
    this.token = def.token;
    this.maxLength = def.maxLength;
    this.lookahead = def.lookahead;
    this.backReach = def.backReach ?? 0;
    this.reaches = def.backReach !== undefined;
    this.minDigits = def.minDigits ?? 0;
    this.midWord = def.midWord === true;
    this.quick = def.quick ?? null;
    this.viable = def.viablePrefix ?? null;
    this.match = def.match;
    this.isIp = def.id === 'ip';
    this.isAws = def.id === 'aws_secret_key';
    this.isGeneric = def.id === 'generic_assignment';
    this.rule = entry.rule;
    this.priority = entry.priority;
  }
}
