import fc from 'fast-check';
import { codeUnits } from '../normalize/code-units';
import { SharedScan, StreamScan } from './shared-scan';

// A stream's shared pass walks only appended characters and carries the automaton state across trims of
// the text's front. These tests hold it to a pass over the current text from its first character.
function sharedScan(): SharedScan {
  const scan = new SharedScan();
  scan.addPatterns(['secret', 'sec', 'top secret plan', 'ab', 'bab', 'é']);
  scan.addPatterns(['ignore', 'cret']);
  const pairs = new Uint8Array(65536);
  for (let d = 48; d <= 57; d++) pairs[(32 << 8) | d] = 1; // a digit after a blank
  pairs[(128 << 8) | 64] = 1; // '@' after a non-ASCII character
  for (let p = 0; p <= 128; p++) pairs[(p << 8) | 58] = 1; // any ':'
  scan.addPairs(pairs);
  return scan;
}

/** Patterns (start, end, pattern id) reported by a scan's hits that start at or after `from`. */
function hitsFrom(scan: SharedScan, hitEnd: Int32Array, hitState: Int32Array, count: number, from: number) {
  const { dictLink, ownStart, ownItems, patternLength } = scan.ac;
  const out: string[] = [];
  for (let e = 0; e < count; e++) {
    for (let s = hitState[e]; s !== 0; s = dictLink[s]) {
      for (let k = ownStart[s]; k < ownStart[s + 1]; k++) {
        const start = hitEnd[e] - patternLength[ownItems[k]];
        if (start >= from) out.push(`${start}-${hitEnd[e]}:${ownItems[k]}`);
      }
    }
  }
  return out.sort();
}

const pieceArb = fc.constantFrom(
  'secret',
  'top ',
  'plan',
  ' ',
  'b',
  'a',
  '1',
  ' 2',
  ':',
  '@',
  'é@',
  'x',
  'ignore',
);
const stepsArb = fc.array(
  fc.tuple(
    fc.array(pieceArb, { maxLength: 6 }).map((p) => p.join('')),
    fc.nat({ max: 12 }),
  ),
  { maxLength: 25 },
);

describe('stream scan', () => {
  it('finds what a pass over the retained text finds, chunk by chunk and across trims', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const live = sharedScan();
        const fresh = sharedScan();
        const stream = new StreamScan();
        let text = '';
        let base = 0;
        for (const [chunk, trim] of steps) {
          const cut = Math.min(trim, text.length);
          text = text.slice(cut) + chunk;
          base += cut;
          live.follow(stream, text, base);
          const got = live.scan(text);
          expect(Array.from(codeUnits(text).subarray(0, text.length))).toEqual(
            Array.from(text, (_c, i) => text.charCodeAt(i)),
          );
          fresh.forget();
          const want = fresh.scan(text);
          // Trigger pairs: identical except at position 0 of a trimmed text (the real previous character).
          const pairs = (at: Int32Array, count: number) =>
            Array.from(at.subarray(0, count)).filter((i) => i > 0);
          expect(pairs(got.pairAt, got.pairCount)).toEqual(pairs(want.pairAt, want.pairCount));
          // Terms: the same matches inside the text; the carried state may add ones that start before it.
          expect(hitsFrom(live, got.hitEnd, got.hitState, got.hitCount, 0)).toEqual(
            hitsFrom(fresh, want.hitEnd, want.hitState, want.hitCount, 0),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps streams of one plan apart when their pushes interleave', () => {
    const scan = sharedScan();
    const a = new StreamScan();
    const b = new StreamScan();
    scan.follow(a, 'top sec', 0);
    scan.follow(b, 'nothing 1', 0);
    scan.follow(a, 'p secret', 5);
    const events = scan.scan('p secret');
    expect(hitsFrom(scan, events.hitEnd, events.hitState, events.hitCount, 0)).toEqual([
      '2-5:1',
      '2-8:0',
      '4-8:7',
    ]);
    scan.follow(b, 'nothing 1 2', 0);
    expect(Array.from(scan.scan('nothing 1 2').pairAt.subarray(0, 2))).toEqual([8, 10]);
  });
});
