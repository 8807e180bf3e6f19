import { type CharRanges, intersects, union } from './regex-char-ranges';
import { type Info, info } from './regex-length-analysis';
import type { RegexNode } from './regex-parser';

type Node = RegexNode;

/** The catastrophic-backtracking heuristics documented in regex-analysis.ts. */
function unwrap(node: Node): Node {
  return node.k === 'seq' && node.items.length === 1 ? unwrap(node.items[0]) : node;
}

export function checkSafety(root: Node, memo: Map<Node, Info>, issues: string[]): void {
  const walk = (node: Node): void => {
    switch (node.k) {
      case 'seq':
        node.items.forEach(walk);
        checkAdjacentUnbounded(node, memo, issues);
        return;
      case 'alt':
        node.alts.forEach(walk);
        return;
      case 'look':
        walk(node.body);
        return;
      case 'rep': {
        walk(node.body);
        if (node.max < 2) return;
        const body = info(node.body, memo);
        visitInner(node.body, body.first, memo, issues);
        const inner = unwrap(node.body);
        if (inner.k === 'alt' && node.max > 8) {
          const xs = inner.alts.map((a) => info(a, memo));
          const overlap = xs.some(
            (a, i) => a.nullable || xs.some((b, j) => j > i && intersects(a.first, b.first)),
          );
          if (overlap)
            issues.push(
              'overlapping alternatives under a repetition (like (a|ab)*) can backtrack exponentially',
            );
        }
        return;
      }
      default:
        return;
    }
  };
  walk(root);
}

/** Flags variable repetitions whose characters can also follow them within the enclosing loop. */
function visitInner(node: Node, follow: CharRanges, memo: Map<Node, Info>, issues: string[]): void {
  switch (node.k) {
    case 'seq': {
      let after = follow;
      for (let i = node.items.length - 1; i >= 0; i--) {
        visitInner(node.items[i], after, memo, issues);
        const x = info(node.items[i], memo);
        after = x.nullable ? union(x.first, after) : x.first;
      }
      return;
    }
    case 'alt':
      node.alts.forEach((a) => visitInner(a, follow, memo, issues));
      return;
    case 'rep': {
      const x = info(node.body, memo);
      if (node.max >= 2 && node.max > node.min && intersects(x.chars, follow)) {
        issues.push('nested quantifier (like (a+)+ or (\\w+\\s?)*) can backtrack exponentially');
        return;
      }
      visitInner(node.body, union(x.first, follow), memo, issues);
      return;
    }
    default:
      return;
  }
}

function checkAdjacentUnbounded(
  node: Extract<Node, { k: 'seq' }>,
  memo: Map<Node, Info>,
  issues: string[],
): void {
  for (let i = 0; i < node.items.length; i++) {
    const a = unwrap(node.items[i]);
    if (a.k !== 'rep' || a.max !== Infinity) continue;
    for (let j = i + 1; j < node.items.length; j++) {
      const b = unwrap(node.items[j]);
      if (
        b.k === 'rep' &&
        b.max === Infinity &&
        intersects(info(a.body, memo).chars, info(b.body, memo).chars)
      ) {
        issues.push(
          'adjacent unbounded quantifiers over overlapping characters (like \\w+\\w+ or .*.*) backtrack polynomially',
        );
        return;
      }
      if (!info(node.items[j], memo).nullable) break;
    }
  }
}
