import type { MatchOut } from '../detectors/detector.types';
import type { Candidate } from './matcher.types';

/**
 * Whether a detector's match `out` replaces the group's best candidate so far: the earliest start wins;
 * on the same start, the most specific category wins, even against a longer generic match (a key inside a
 * run-on assignment value keeps its own label); otherwise the longer match, then the lower priority value.
 */
export function winsOverlap(
  best: Candidate,
  bestGeneric: boolean,
  out: MatchOut,
  generic: boolean,
  priority: number,
): boolean {
  if (out.start > best.start) return false;
  if (out.start === best.start) {
    const specificOverGeneric = bestGeneric && !generic;
    if (!specificOverGeneric) {
      if (generic && !bestGeneric) return false;
      const len = out.end - out.start;
      const bestLen = best.end - best.start;
      if (len < bestLen || (len === bestLen && priority >= best.priority)) return false;
    }
  }
  return true;
}
