import { ALL, type CharRanges, union } from './regex-char-ranges';
import type { RegexNode } from './regex-parser';

type Node = RegexNode;

/** What a sub-pattern can match: length bounds, first characters, whether empty, and all its characters. */
export interface Info {
  min: number;
  max: number;
  first: CharRanges;
  nullable: boolean;
  chars: CharRanges;
}

export function info(node: Node, memo: Map<Node, Info>): Info {
  const cached = memo.get(node);
  if (cached) return cached;
  let result: Info;
  switch (node.k) {
    case 'set':
      // A character beyond U+FFFF is two UTF-16 code units, and the linear-time engine matches it whole.
      result = {
        min: 1,
        max: node.set.length > 0 && node.set[node.set.length - 1] > 0xffff ? 2 : 1,
        first: node.set,
        nullable: false,
        chars: node.set,
      };
      break;
    case 'assert':
    case 'look':
      result = {
        min: 0,
        max: 0,
        first: [],
        nullable: true,
        chars: node.k === 'look' ? info(node.body, memo).chars : [],
      };
      break;
    case 'backref':
      result = { min: 0, max: Infinity, first: ALL, nullable: true, chars: ALL };
      break;
    case 'seq': {
      let min = 0;
      let max = 0;
      let first: CharRanges = [];
      let nullable = true;
      let chars: CharRanges = [];
      for (const item of node.items) {
        const x = info(item, memo);
        min += x.min;
        max += x.max;
        if (nullable) first = union(first, x.first);
        nullable = nullable && x.nullable;
        chars = union(chars, x.chars);
      }
      result = { min, max, first, nullable, chars };
      break;
    }
    case 'alt': {
      const xs = node.alts.map((a) => info(a, memo));
      result = {
        min: Math.min(...xs.map((x) => x.min)),
        max: Math.max(...xs.map((x) => x.max)),
        first: xs.reduce<CharRanges>((acc, x) => union(acc, x.first), []),
        nullable: xs.some((x) => x.nullable),
        chars: xs.reduce<CharRanges>((acc, x) => union(acc, x.chars), []),
      };
      break;
    }
    case 'rep': {
      const x = info(node.body, memo);
      const max = x.max === 0 ? 0 : node.max === Infinity ? Infinity : node.max * x.max;
      result = {
        min: node.min * x.min,
        max,
        first: x.first,
        nullable: node.min === 0 || x.nullable,
        chars: x.chars,
      };
      break;
    }
  }
  memo.set(node, result);
  return result;
}

/** How far look-arounds (and \b, $) read before and after a match: the streaming hold-back. */
export function lookReach(node: Node, memo: Map<Node, Info>): { ahead: number; behind: number } {
  let ahead = 1; // \b, $ and similar read one character past the match
  let behind = 1;
  const walk = (n: Node): void => {
    if (n.k === 'look') {
      const max = info(n.body, memo).max;
      if (n.behind) behind = Math.max(behind, max);
      else ahead += max;
      walk(n.body);
    } else if (n.k === 'seq') n.items.forEach(walk);
    else if (n.k === 'alt') n.alts.forEach(walk);
    else if (n.k === 'rep') walk(n.body);
  };
  walk(node);
  return { ahead, behind };
}

export function toTable(set: CharRanges): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i];
    const hi = set[i + 1];
    if (lo <= 0xffff) table.fill(1, lo, Math.min(hi, 0xffff) + 1);
    if (hi > 0xffff) table.fill(1, 0xd800, 0xe000); // astral characters: any surrogate
  }
  return table;
}

export function hasBackref(node: Node): boolean {
  switch (node.k) {
    case 'backref':
      return true;
    case 'seq':
      return node.items.some(hasBackref);
    case 'alt':
      return node.alts.some(hasBackref);
    case 'rep':
    case 'look':
      return hasBackref(node.body);
    default:
      return false;
  }
}
