/**
 * Character sets of the regex analyser as sorted, disjoint code-point ranges, and the few set operations
 * the parser and the safety checks need.
 */
export type CharRanges = number[]; // sorted, disjoint [lo, hi] pairs over 0..0x10FFFF

export const MAX_CP = 0x10ffff;
export const ALL: CharRanges = [0, MAX_CP];
export const DIGIT: CharRanges = [48, 57];
export const WORD: CharRanges = [48, 57, 65, 90, 95, 95, 97, 122];
export const SPACE: CharRanges = normalize([
  9, 13, 32, 32, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f,
  0x3000, 0x3000, 0xfeff, 0xfeff,
]);
export const NOT_LINE: CharRanges = complement(normalize([10, 10, 13, 13, 0x2028, 0x2029]));

export function normalize(r: number[]): CharRanges {
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

export function union(a: CharRanges, b: CharRanges): CharRanges {
  return normalize([...a, ...b]);
}

export function complement(a: CharRanges): CharRanges {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] > next) out.push(next, a[i] - 1);
    next = a[i + 1] + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

export function intersects(a: CharRanges, b: CharRanges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1] < b[j]) i += 2;
    else if (b[j + 1] < a[i]) j += 2;
    else return true;
  }
  return false;
}

export function caseVariants(a: CharRanges): CharRanges {
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
