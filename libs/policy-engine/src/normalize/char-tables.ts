/**
 * Lookup tables over UTF-16 code units, built once per process. Matchers index them per character, so they
 * must be flat typed arrays (no Map, no regex per char on the hot path).
 */

let wordTable: Uint8Array | null = null;
let foldTable: Uint16Array | null = null;

/** 1 for letters, digits (any script) and '_': what "whole word" boundaries mean. */
export function wordChars(): Uint8Array {
  if (wordTable) return wordTable;
  const table = new Uint8Array(65536);
  const word = /[\p{L}\p{N}_]/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (word.test(String.fromCharCode(c))) table[c] = 1;
  }
  wordTable = table;
  return table;
}

/** Simple one-to-one case fold (lower case when it stays a single code unit). */
export function caseFold(): Uint16Array {
  if (foldTable) return foldTable;
  const table = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    table[c] = c;
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const lower = String.fromCharCode(c).toLowerCase();
    if (lower.length === 1) table[c] = lower.charCodeAt(0);
  }
  foldTable = table;
  return table;
}

export function foldString(s: string): string {
  const fold = caseFold();
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(fold[s.charCodeAt(i)]);
  return out;
}

/** ASCII letters, digits and '_' (the boundary every built-in detector uses). */
export const ASCII_WORD = asciiSet('A-Za-z0-9_');

/** Builds a 65536-entry membership table from a tiny range syntax: `A-Za-z0-9_` (`\\-` for a dash). */
export function asciiSet(spec: string): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < spec.length; i++) {
    let c = spec.charCodeAt(i);
    if (spec[i] === '\\') c = spec.charCodeAt(++i);
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      let hi = spec.charCodeAt(i + 2);
      if (spec[i + 2] === '\\') {
        hi = spec.charCodeAt(i + 3);
        i++;
      }
      for (let x = c; x <= hi; x++) table[x] = 1;
      i += 2;
    } else {
      table[c] = 1;
    }
  }
  return table;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Every code unit except the given ones. */
export function allExcept(chars: string): Uint8Array {
  const table = new Uint8Array(65536).fill(1);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 0;
  return table;
}
