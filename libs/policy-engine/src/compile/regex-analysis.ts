/**
 * A small static analyser for the JavaScript regex subset policy authors use. It parses the pattern into
 * an AST and derives: the min / max match length (Infinity when unbounded), the characters a match can
 * start with and consist of (used by the streaming redactor to release text early), the look-ahead /
 * look-behind reach, and a list of safety issues.
 *
 * The catastrophic-backtracking check is a documented heuristic, not a proof. It rejects:
 *  1. nested quantifiers: a variable repetition (x+, x*, x{1,5}) inside a repetition of max >= 2, when what
 *     the inner one consumes can also be consumed right after it in the same loop (including wrapping
 *     around to the loop's start): (a+)+, (\w+\s?)+, ([a-z]+[.-]?)*; (\d{1,3}\.){3} and (\w+\s)+ pass;
 *  2. alternation under a repetition (max > 8) whose alternatives can start with the same character or
 *     match empty: (a|a)*, (a|ab)+, (\w|\d)*;
 *  3. two unbounded repetitions in sequence (only optional items between) over overlapping characters:
 *     \w+\w+, .*.*, \d+\w*;
 *  plus back-references (unsupported), empty matches and look-behinds longer than 64 characters.
 */
import { type Info, hasBackref, info, lookReach, toTable } from './regex-length-analysis';
import { parseRegex, type RegexNode } from './regex-parser';
import { checkSafety } from './regex-safety';

export type { CharRanges } from './regex-char-ranges';
export { parseRegex, type AssertKind, type RegexNode } from './regex-parser';

type Node = RegexNode;

export interface RegexAnalysis {
  minLength: number;
  maxLength: number;
  /** Characters that may be read after the end of a match (look-aheads, \b, $). */
  lookahead: number;
  lookbehind: number;
  first: Uint8Array;
  token: Uint8Array;
  issues: string[];
}

export function analyzeRegex(source: string, flags: string): RegexAnalysis {
  const root = parseRegex(source, flags);
  const memo = new Map<Node, Info>();
  const x = info(root, memo);
  const issues: string[] = [];
  if (hasBackref(root)) issues.push('back-references are not supported');
  if (x.min === 0) issues.push('the pattern can match the empty string');
  checkSafety(root, memo, issues);
  const reach = lookReach(root, memo);
  if (reach.behind > 64) issues.push('look-behind longer than 64 characters (or unbounded)');
  if (!Number.isFinite(reach.ahead)) issues.push('unbounded look-ahead');
  return {
    minLength: x.min,
    maxLength: x.max,
    lookahead: reach.ahead,
    lookbehind: reach.behind,
    first: toTable(x.first),
    token: toTable(x.chars),
    issues: [...new Set(issues)],
  };
}
