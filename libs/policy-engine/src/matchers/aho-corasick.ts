import { caseFold } from '../normalize/char-tables';

/**
 * A case-folded Aho-Corasick automaton compiled to a dense DFA, where the symbol of a UTF-16 code unit is
 * looked up in `symbolOf` (0 = a character no pattern uses). The table `next[row + symbol]` holds the
 * target's row (`state * width`, so no multiplication per character), bit-inverted (negative) when the
 * target state ends a pattern: the scan loop is one load, one add and one sign test per character, no
 * failure-link walking. Memory is states x (distinct pattern characters + 1) x 4 bytes.
 */
/** An automaton's tables: typed arrays only, so they cross a worker_threads boundary by transfer. */
export interface AhoCorasickTables {
  symbolOf: Uint16Array;
  width: number;
  next: Int32Array;
  depth: Int32Array;
  ownStart: Int32Array;
  ownItems: Int32Array;
  dictLink: Int32Array;
  hasOutput: Uint8Array;
  patternLength: Int32Array;
  maxPatternLength: number;
}

export class AhoCorasick implements AhoCorasickTables {
  readonly symbolOf: Uint16Array;
  readonly width: number;
  /** Encoded transitions: see above. */
  readonly next: Int32Array;
  readonly depth: Int32Array;
  /** Patterns ending exactly at a state: ownItems[ownStart[s] .. ownStart[s + 1]). */
  readonly ownStart: Int32Array;
  readonly ownItems: Int32Array;
  /** Nearest proper suffix state that has own patterns (0 = none). */
  readonly dictLink: Int32Array;
  /** 1 when a state or one of its suffixes ends a pattern. */
  readonly hasOutput: Uint8Array;
  readonly patternLength: Int32Array;
  readonly maxPatternLength: number;

  constructor(patterns: readonly string[]) {
    const fold = caseFold();
    const folded = patterns.map((p) => {
      let s = '';
      for (let i = 0; i < p.length; i++) s += String.fromCharCode(fold[p.charCodeAt(i)]);
      return s;
    });
    const symbolByChar = new Int32Array(65536).fill(-1);
    let symbols = 1;
    let totalLength = 0;
    let maxLen = 0;
    for (const p of folded) {
      totalLength += p.length;
      if (p.length > maxLen) maxLen = p.length;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (symbolByChar[c] === -1) symbolByChar[c] = symbols++;
      }
    }
    this.width = symbols;
    this.maxPatternLength = maxLen;
    this.symbolOf = new Uint16Array(65536);
    for (let c = 0; c < 65536; c++) {
      const s = symbolByChar[fold[c]];
      if (s > 0) this.symbolOf[c] = s;
    }

    // Trie in a dense goto table (-1 = no edge), sized for the worst case then cut down.
    const capacity = totalLength + 1;
    const width = symbols;
    let go = new Int32Array(capacity * width).fill(-1);
    let depth = new Int32Array(capacity);
    const ownLists: number[][] = [[]];
    let states = 1;
    this.patternLength = new Int32Array(folded.length);
    folded.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const sym = symbolByChar[p.charCodeAt(i)];
        let t = go[s * width + sym];
        if (t === -1) {
          t = states++;
          go[s * width + sym] = t;
          depth[t] = depth[s] + 1;
          ownLists.push([]);
        }
        s = t;
      }
      ownLists[s].push(id);
      this.patternLength[id] = p.length;
    });
    go = go.slice(0, states * width);
    depth = depth.slice(0, states);

    // Breadth-first: failure links, then fill missing edges so the table becomes a DFA.
    const fail = new Int32Array(states);
    const dictLink = new Int32Array(states);
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let a = 0; a < width; a++) {
      const t = go[a];
      if (t === -1) go[a] = 0;
      else {
        fail[t] = 0;
        queue[tail++] = t;
      }
    }
    while (head < tail) {
      const s = queue[head++];
      const f = fail[s];
      dictLink[s] = ownLists[f].length > 0 ? f : dictLink[f];
      for (let a = 0; a < width; a++) {
        const t = go[s * width + a];
        if (t === -1) go[s * width + a] = go[f * width + a];
        else {
          fail[t] = go[f * width + a];
          queue[tail++] = t;
        }
      }
    }
    this.depth = depth;
    this.dictLink = dictLink;
    this.ownStart = new Int32Array(states + 1);
    let total = 0;
    for (let s = 0; s < states; s++) {
      this.ownStart[s] = total;
      total += ownLists[s].length;
    }
    this.ownStart[states] = total;
    this.ownItems = new Int32Array(total);
    this.hasOutput = new Uint8Array(states);
    for (let s = 0, k = 0; s < states; s++) {
      for (const id of ownLists[s]) this.ownItems[k++] = id;
      if (ownLists[s].length > 0 || dictLink[s] !== 0) this.hasOutput[s] = 1;
    }
    // Encode in place: row of the target, inverted when the target has output.
    for (let k = 0; k < go.length; k++) {
      const t = go[k];
      go[k] = this.hasOutput[t] === 1 ? ~(t * width) : t * width;
    }
    this.next = go;
  }

  /** An automaton from tables built elsewhere (a worker thread): no construction work. */
  static fromTables(tables: AhoCorasickTables): AhoCorasick {
    return Object.assign(Object.create(AhoCorasick.prototype) as AhoCorasick, tables);
  }

  tables(): AhoCorasickTables {
    const { symbolOf, width, next, depth, ownStart, ownItems, dictLink, hasOutput, patternLength } = this;
    return {
      symbolOf,
      width,
      next,
      depth,
      ownStart,
      ownItems,
      dictLink,
      hasOutput,
      patternLength,
      maxPatternLength: this.maxPatternLength,
    };
  }

  /** State after reading units[from..to) (a text's code units) from the root. */
  run(units: Uint8Array | Uint16Array, from: number, to: number): number {
    const { next, symbolOf } = this;
    let row = 0;
    for (let i = from; i < to; i++) {
      row = next[row + symbolOf[units[i]]];
      if (row < 0) row = ~row;
    }
    return row / this.width;
  }
}
