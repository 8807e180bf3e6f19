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
export type CharRanges = number[]; // sorted, disjoint [lo, hi] pairs over 0..0x10FFFF

/** `^`, `$`, `\\b`, `\\B`. */
export type AssertKind = '^' | '$' | 'b' | 'B';

export type RegexNode =
  | { k: 'set'; set: CharRanges }
  | { k: 'seq'; items: RegexNode[] }
  | { k: 'alt'; alts: RegexNode[] }
  | { k: 'rep'; body: RegexNode; min: number; max: number; lazy: boolean }
  | { k: 'look'; behind: boolean; negate: boolean; body: RegexNode }
  | { k: 'assert'; kind: AssertKind }
  | { k: 'backref' };
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

const MAX_CP = 0x10ffff;
const ALL: CharRanges = [0, MAX_CP];
const DIGIT: CharRanges = [48, 57];
const WORD: CharRanges = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE: CharRanges = normalize([
  9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f,
  0x3000, 0x3000, 0xfeff, 0xfeff,
]);
const NOT_LINE: CharRanges = complement(normalize([10, 10, 13, 13, 0x2028, 0x2029]));

function normalize(r: number[]): CharRanges {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i], r[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

function union(a: CharRanges, b: CharRanges): CharRanges {
  return normalize([...a, ...b]);
}

function complement(a: CharRanges): CharRanges {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] > next) out.push(next, a[i] - 1);
    next = a[i + 1] + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

function intersects(a: CharRanges, b: CharRanges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1] < b[j]) i += 2;
    else if (b[j + 1] < a[i]) j += 2;
    else return true;
  }
  return false;
}

function caseVariants(a: CharRanges): CharRanges {
  const extra: number[] = [];
  for (let i = 0; i < a.length; i += 2) {
    const lo = a[i];
    const hi = Math.min(a[i + 1], 0xffff);
    if (hi - lo > 2000) continue; // wide ranges already hold both cases
    for (let c = lo; c <= hi; c++) {
      const s = String.fromCharCode(c);
      for (const v of [s.toLowerCase(), s.toUpperCase()]) {
        if (v.length === 1 && v.charCodeAt(0) !== c) extra.push(v.charCodeAt(0), v.charCodeAt(0));
      }
    }
  }
  return extra.length ? union(a, extra) : a;
}

class Parser {
  private i = 0;
  private caseless = false;
  constructor(
    private readonly src: string,
    private readonly flags: string,
  ) {}

  parse(): Node {
    const node = this.disjunction();
    if (this.i < this.src.length) throw new Error(`unexpected '${this.src[this.i]}' at ${this.i}`);
    return node;
  }

  private disjunction(): Node {
    const alts = [this.alternative()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.alternative());
    }
    return alts.length === 1 ? alts[0] : { k: 'alt', alts };
  }

  private alternative(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atom = this.term();
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0] : { k: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const s = this.src;
    let min: number;
    let max: number;
    const c = s[this.i];
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) throw new Error('numbers out of order in {} quantifier');
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    const lazy = s[this.i] === '?'; // same lengths; the linear-time engine needs it for match ends
    if (lazy) this.i++;
    if (atom.k === 'assert' || atom.k === 'look') return atom;
    return { k: 'rep', body: atom, min, max, lazy };
  }

  private term(): Node {
    const s = this.src;
    const c = s[this.i];
    if (c === '^' || c === '$') {
      this.i++;
      return { k: 'assert', kind: c };
    }
    if (c === '(') {
      this.i++;
      if (s.startsWith('?=', this.i) || s.startsWith('?!', this.i)) {
        const negate = s[this.i + 1] === '!';
        this.i += 2;
        return this.closeGroup({ k: 'look', behind: false, negate, body: this.disjunction() });
      }
      if (s.startsWith('?<=', this.i) || s.startsWith('?<!', this.i)) {
        const negate = s[this.i + 2] === '!';
        this.i += 3;
        return this.closeGroup({ k: 'look', behind: true, negate, body: this.disjunction() });
      }
      if (s.startsWith('?:', this.i)) this.i += 2;
      else if (s[this.i] === '?' && s[this.i + 1] === '<') {
        const end = s.indexOf('>', this.i);
        if (end < 0) throw new Error('unterminated group name');
        this.i = end + 1;
      } else if (s[this.i] === '?') throw new Error(`unsupported group syntax at ${this.i}`);
      return this.closeGroup(this.disjunction());
    }
    if (c === ')') throw new Error(`unmatched ')' at ${this.i}`);
    if (c === '[') return this.charClass();
    if (c === '.') {
      this.i++;
      return { k: 'set', set: this.flags.includes('s') ? ALL : NOT_LINE };
    }
    if (c === '\\') return this.escape(false);
    if (c === '*' || c === '+' || c === '?') throw new Error(`nothing to repeat at ${this.i}`);
    const cp = s.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    return this.literal(cp);
  }

  private closeGroup(node: Node): Node {
    if (this.src[this.i] !== ')') throw new Error('unterminated group');
    this.i++;
    return node;
  }

  private literal(cp: number): Node {
    const set: CharRanges = [cp, cp];
    return { k: 'set', set: this.flags.includes('i') && !this.caseless ? caseVariants(set) : set };
  }

  /** Parses an escape at this.i (which points at '\'); in a class, returns a set node only. */
  private escape(inClass: boolean): Node {
    const s = this.src;
    this.i++;
    const c = s[this.i++];
    if (c === undefined) throw new Error('\\ at end of pattern');
    switch (c) {
      case 'd':
        return { k: 'set', set: DIGIT };
      case 'D':
        return { k: 'set', set: complement(DIGIT) };
      case 'w':
        return { k: 'set', set: WORD };
      case 'W':
        return { k: 'set', set: complement(WORD) };
      case 's':
        return { k: 'set', set: SPACE };
      case 'S':
        return { k: 'set', set: complement(SPACE) };
      case 'b':
        return inClass ? this.literal(8) : { k: 'assert', kind: 'b' };
      case 'B':
        if (inClass) throw new Error('\\B in class');
        return { k: 'assert', kind: 'B' };
      case 'n':
        return this.literal(10);
      case 'r':
        return this.literal(13);
      case 't':
        return this.literal(9);
      case 'v':
        return this.literal(11);
      case 'f':
        return this.literal(12);
      case '0':
        return this.literal(0);
      case 'x': {
        const m = /^[0-9a-fA-F]{2}/.exec(s.slice(this.i));
        if (!m) return this.literal(120);
        this.i += 2;
        return this.literal(parseInt(m[0], 16));
      }
      case 'u': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(s.slice(this.i));
        if (braced && this.flags.includes('u')) {
          this.i += braced[0].length;
          return this.literal(parseInt(braced[1], 16));
        }
        const m = /^[0-9a-fA-F]{4}/.exec(s.slice(this.i));
        if (!m) return this.literal(117);
        this.i += 4;
        return this.literal(parseInt(m[0], 16));
      }
      case 'c': {
        const letter = s.charCodeAt(this.i);
        this.i++;
        return this.literal(letter % 32);
      }
      case 'p':
      case 'P': {
        if (!this.flags.includes('u')) return this.literal(c.charCodeAt(0));
        const end = s.indexOf('}', this.i);
        if (s[this.i] !== '{' || end < 0) throw new Error('bad \\p escape');
        this.i = end + 1;
        return { k: 'set', set: ALL }; // conservative: any character
      }
      case 'k':
        if (inClass) return this.literal(107);
        return { k: 'backref' };
      default:
        if (c >= '1' && c <= '9') {
          if (inClass) throw new Error('back-reference in class');
          while (s[this.i] >= '0' && s[this.i] <= '9') this.i++;
          return { k: 'backref' };
        }
        return this.literal(c.codePointAt(0) ?? 0);
    }
  }

  private charClass(): Node {
    const s = this.src;
    this.i++;
    let negate = false;
    if (s[this.i] === '^') {
      negate = true;
      this.i++;
    }
    let set: CharRanges = [];
    while (this.i < s.length && s[this.i] !== ']') {
      const lo = this.classAtom();
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && this.i + 1 < s.length && lo.single !== null) {
        this.i++;
        const hi = this.classAtom();
        if (hi.single === null) throw new Error('bad range in character class');
        if (hi.single < lo.single) throw new Error('range out of order in character class');
        set = union(
          set,
          this.flags.includes('i') ? caseVariants([lo.single, hi.single]) : [lo.single, hi.single],
        );
      } else {
        set = union(set, lo.set);
      }
    }
    if (s[this.i] !== ']') throw new Error('unterminated character class');
    this.i++;
    return { k: 'set', set: negate ? complement(set) : set };
  }

  private classAtom(): { set: CharRanges; single: number | null } {
    const s = this.src;
    if (s[this.i] === '\\') {
      const esc = s[this.i + 1];
      this.caseless = true;
      const node = this.escape(true);
      this.caseless = false;
      if (node.k !== 'set') throw new Error('unsupported escape in class');
      const single = node.set.length === 2 && node.set[0] === node.set[1] ? node.set[0] : null;
      if ('dDwWsSpP'.includes(esc) || single === null) return { set: node.set, single: null };
      return { set: this.flags.includes('i') ? caseVariants(node.set) : node.set, single };
    }
    const cp = s.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    const set: CharRanges = [cp, cp];
    return { set: this.flags.includes('i') ? caseVariants(set) : set, single: cp };
  }
}

interface Info {
  min: number;
  max: number;
  first: CharRanges;
  nullable: boolean;
  chars: CharRanges;
}

function info(node: Node, memo: Map<Node, Info>): Info {
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

function unwrap(node: Node): Node {
  return node.k === 'seq' && node.items.length === 1 ? unwrap(node.items[0]) : node;
}

function checkSafety(root: Node, memo: Map<Node, Info>, issues: string[]): void {
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

function lookReach(node: Node, memo: Map<Node, Info>): { ahead: number; behind: number } {
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

function toTable(set: CharRanges): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i];
    const hi = set[i + 1];
    if (lo <= 0xffff) table.fill(1, lo, Math.min(hi, 0xffff) + 1);
    if (hi > 0xffff) table.fill(1, 0xd800, 0xe000); // astral characters: any surrogate
  }
  return table;
}

function hasBackref(node: Node): boolean {
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

/** The pattern's syntax tree (case-insensitivity is folded into the character sets). */
export function parseRegex(source: string, flags: string): RegexNode {
  return new Parser(source, flags).parse();
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
