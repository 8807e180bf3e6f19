import type { CharRanges } from './regex-char-ranges';
import type { RegexNode } from './regex-parser';

/** RE2 refuses larger counts; a customer pattern needing more is better written another way. */
const MAX_REPEAT = 1000;

function hex(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

function emitSet(set: CharRanges): string {
  if (set.length === 0) return '[^\\x{0}-\\x{10ffff}]'; // matches nothing, like JS's [^\s\S] negation
  let out = '[';
  for (let i = 0; i < set.length; i += 2) {
    out += set[i] === set[i + 1] ? hex(set[i]) : `${hex(set[i])}-${hex(set[i + 1])}`;
  }
  return out + ']';
}

function emitCount(min: number, max: number): string {
  if (min > MAX_REPEAT || (Number.isFinite(max) && max > MAX_REPEAT)) {
    throw new Error(`repetition counts above ${MAX_REPEAT} are not supported`);
  }
  if (min === 0 && max === Infinity) return '*';
  if (min === 1 && max === Infinity) return '+';
  if (min === 0 && max === 1) return '?';
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

function emit(node: RegexNode): string {
  switch (node.k) {
    case 'set':
      return emitSet(node.set);
    case 'seq':
      return node.items.map(emit).join('');
    case 'alt':
      return `(?:${node.alts.map(emit).join('|')})`;
    case 'rep':
      return `(?:${emit(node.body)})${emitCount(node.min, node.max)}${node.lazy ? '?' : ''}`;
    case 'assert':
      return node.kind === 'b' ? '\\b' : node.kind === 'B' ? '\\B' : node.kind;
    case 'look':
      if (!node.behind) throw new Error('look-ahead ((?=...), (?!...)) is not supported');
      return `(?<${node.negate ? '!' : '='}${emit(node.body)})`;
    case 'backref':
      throw new Error('back-references are not supported');
  }
}

/**
 * The pattern in RE2 syntax, for the linear-time engine (re2js). It is emitted from the analyser's own
 * syntax tree, so the engine matches exactly the language the analyser measured (character sets spelled
 * out, case folding applied, `.` without line terminators): the streaming redactor's hold-back stays
 * sound. Throws (with the reason) for constructs RE2 cannot run in linear time.
 */
export function toLinearSource(root: RegexNode): string {
  return emit(root);
}
