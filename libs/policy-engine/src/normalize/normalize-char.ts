import { isAsciiText } from './code-units';
import { HOMOGLYPHS } from './homoglyphs';

/**
 * The per-code-point normalisation. It is deliberately context-free (each code point maps to a fixed
 * string, possibly empty), so normalising a text chunk by chunk gives exactly the same result as
 * normalising it whole: the streaming redactor relies on that.
 *
 * Steps: drop zero-width / format / control characters, Unicode tags (U+E0000-E0FFF), fillers (Hangul,
 * Braille blank) and combining marks (U+0300–U+036F, used to break up words), NFKC (fullwidth, ligatures,
 * compatibility forms), decimal digits of every script to ASCII, then fold look-alikes (Cyrillic, Greek).
 * Case is kept: case-insensitive matching folds case at match time.
 */
const bmpCache: (string | undefined)[] = new Array(65536);

export function isPlainAscii(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Matches a character that needs normalisation (anything but printable ASCII, tab, CR, LF). */
export const NEEDS_NORMALIZATION = /[^\x20-\x7e\n\t\r]/;

const CONTROLS: readonly string[] = [];
for (let c = 0; c < 0x20; c++)
  if (c !== 0x09 && c !== 0x0a && c !== 0x0d) (CONTROLS as string[]).push(String.fromCharCode(c));
(CONTROLS as string[]).push('\x7f');

/**
 * Whether a text needs normalisation. Long texts: a native ASCII check (encodeInto, GB/s) plus one
 * memchr-speed indexOf per control character beats a regex scan ~2x; short ones take the regex.
 */
export function needsNormalization(text: string): boolean {
  if (text.length < 4096) return NEEDS_NORMALIZATION.test(text);
  if (!isAsciiText(text)) return true;
  for (const c of CONTROLS) if (text.indexOf(c) !== -1) return true;
  return false;
}

function isRemoved(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0xad ||
    (cp >= 0x0300 && cp <= 0x036f) ||
    cp === 0x034f ||
    cp === 0x061c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    cp === 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x2800 || // Braille pattern blank: renders as a space, used to split values
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xfff0 && cp <= 0xfff8) ||
    (cp >= 0xe0000 && cp <= 0xe0fff)
  );
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * A decimal digit of any script as its ASCII digit (Arabic-Indic, Devanagari, mathematical, ...): NFKC
 * leaves most of them alone. Unicode allocates each script's digits as a run starting at zero, so the value
 * is the distance from the start of the run, modulo 10 (runs of several digit sets are back to back).
 */
function asciiDigit(cp: number): string | null {
  if (cp < 0x80 || !DECIMAL_DIGIT.test(String.fromCodePoint(cp))) return null;
  let start = cp;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return String.fromCharCode(48 + ((cp - start) % 10));
}

function compute(cp: number): string {
  if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return String.fromCharCode(cp);
  if (isRemoved(cp)) return '';
  if (cp >= 0xd800 && cp <= 0xdfff) return String.fromCharCode(cp); // lone surrogate: keep as is
  const nfkc = String.fromCodePoint(cp).normalize('NFKC');
  let out = '';
  for (const ch of nfkc) {
    const code = ch.codePointAt(0) ?? 0;
    if (isRemoved(code)) continue;
    out += asciiDigit(code) ?? HOMOGLYPHS.get(code) ?? ch;
  }
  return out;
}

export function normalizeCodePoint(cp: number): string {
  if (cp < 0x10000) {
    const cached = bmpCache[cp];
    if (cached !== undefined) return cached;
    const value = compute(cp);
    bmpCache[cp] = value;
    return value;
  }
  return compute(cp);
}

/** Normalises a whole string (used for denylist/allowlist terms at compile time). */
export function normalizeString(text: string): string {
  if (!needsNormalization(text)) return text;
  let out = '';
  for (const ch of text) out += normalizeCodePoint(ch.codePointAt(0) ?? 0);
  return out;
}
