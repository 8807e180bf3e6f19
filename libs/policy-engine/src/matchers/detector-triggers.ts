import type { DetectorDef, DetectorTrigger } from '../detectors/detector.types';

// Trigger classes of a (previous, current) character pair; non-ASCII characters count as 128.
export const T_DIGIT = 1;
export const T_UPPER_DIGIT = 2;
export const T_AT = 4;
export const T_SEP = 8;
export const T_PREFIX = 16;
/** "aw" in any case: where the AWS secret detector's pendingFrom looks for "aws" (no attempt of its own). */
export const T_AW = 32;
/** How far before its trigger an attempt can start ('separator': identifier + quote + blanks). */
export const SEPARATOR_REACH = 112;

/** A character scores 1 when common in prose (lower-case letters): prefix triggers use rare pairs. */
export function commonness(c: number): number {
  return c >= 97 && c <= 122 ? 1 : 0;
}

/** How far before its trigger character an attempt of `def` can start. */
export function reachOf(trigger: DetectorTrigger, def: DetectorDef): number {
  switch (trigger) {
    case 'digit':
      return 1;
    case 'upper-digit':
      return 2;
    case 'at':
      return 65;
    case 'separator':
      return SEPARATOR_REACH;
    case 'colon':
      return 5;
    case 'prefix':
      return Math.max(0, ...(def.prefixes ?? []).map((p) => p.length));
  }
}
