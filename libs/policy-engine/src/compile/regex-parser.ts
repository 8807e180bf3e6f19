import {
  ALL,
  type CharRanges,
  DIGIT,
  NOT_LINE,
  SPACE,
  WORD,
  caseVariants,
  complement,
  union,
} from './regex-char-ranges';

/** The AST of the JavaScript regex subset policy authors use (case-insensitivity folded into the sets). */
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

/** The pattern's syntax tree (case-insensitivity is folded into the character sets). */
export function parseRegex(source: string, flags: string): RegexNode {
  return new Parser(source, flags).parse();
}
