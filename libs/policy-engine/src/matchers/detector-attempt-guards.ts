import { asciiSet } from '../normalize/char-tables';
import type { FlatDetector } from './flat-detector';

/** Identifier characters of an assignment's name, an e-mail's local part, and hex digits (IPv6). */
export const ASCII_IDENT = asciiSet('A-Za-z0-9_.\\-');
export const EMAIL_LOCAL = asciiSet('A-Za-z0-9._%+\\-');
export const HEX = asciiSet('0-9A-Fa-f');

/** Cheap checks on code units that rule out a detector attempt (or bound one) before its matcher runs. */
/** IPv4/IPv6 need a '.' within 4 or a ':' within 5 characters of their start. */
export function ipNear(units: Uint8Array | Uint16Array, i: number, n: number): boolean {
  const stop = Math.min(n, i + 6);
  for (let j = i + 1; j < stop; j++) {
    const c = units[j];
    if (c === 58 || (c === 46 && j - i <= 4)) return true;
  }
  return false;
}

/** Digits in the run of `token` characters from i (at most `reach` characters). */
export function countDigits(
  units: Uint8Array | Uint16Array,
  i: number,
  n: number,
  token: Uint8Array,
  reach: number,
): number {
  const stop = Math.min(n, i + reach);
  let digits = 0;
  for (let j = i; j < stop; j++) {
    const c = units[j];
    if (token[c] !== 1) break;
    if (c >= 48 && c <= 57) digits++;
  }
  return digits;
}

export function enoughDigits(
  units: Uint8Array | Uint16Array,
  p: number,
  def: FlatDetector,
  n: number,
): boolean {
  const need = def.minDigits;
  const token = def.token;
  const stop = Math.min(n, p + def.maxLength);
  let digits = 0;
  for (let i = p; i < stop; i++) {
    const c = units[i];
    if (token[c] !== 1) return false;
    if (c >= 48 && c <= 57 && ++digits >= need) return true;
  }
  return false;
}

/** "aws" in any case within [lo, hi). */
export function hasAws(units: Uint8Array | Uint16Array, lo: number, hi: number): boolean {
  for (let i = lo; i + 2 < hi; i++) {
    if ((units[i] | 32) === 97 && (units[i + 1] | 32) === 119 && (units[i + 2] | 32) === 115) return true;
  }
  return false;
}

/**
 * Where an identifier would end before the separator at `sep`: skips an operator's other characters
 * (`?=`, `.=`, `::=`), up to 3 blanks and one quote.
 */
export function identifierEndBefore(units: Uint8Array | Uint16Array, sep: number): number {
  let j = sep;
  for (let k = 0; k < 3 && j > 0; k++) {
    const c = units[j - 1];
    if (c !== 63 && c !== 46 && c !== 58) break;
    j--;
  }
  for (let k = 0; k < 3 && j > 0; k++) {
    const c = units[j - 1];
    if (c !== 32 && c !== 9) break;
    j--;
  }
  if (j > 1 && units[j - 1] === 93 && units[j - 2] === 91)
    j -= 2; // apikey[] =
  else if (j > 0 && units[j - 1] === 93) j--; // dict["secret"] =
  if (j > 0) {
    const q = units[j - 1];
    if (q === 34 || q === 39) j--;
  }
  return j;
}
