import { asciiSet } from '../../normalize/char-tables';
import { type DetectorDef, prefixConsistent, stickyMatch } from '../detector.types';

export type LiteralPrefixedSpec = Omit<
  DetectorDef,
  'start' | 'viablePrefix' | 'match' | 'quick' | 'triggers' | 'prefixes'
> & {
  prefixes: readonly string[];
  re: RegExp;
  validate?: (m: RegExpExecArray) => boolean;
};

/** A detector whose matches start with one of a few literal prefixes (found by the 'prefix' trigger). */
export function literalPrefixed(def: LiteralPrefixedSpec): DetectorDef {
  const { prefixes, re, validate, ...rest } = def;
  const start = new Uint8Array(65536);
  const second = new Uint8Array(65536);
  let shortest = Infinity;
  for (const p of prefixes) {
    start[p.charCodeAt(0)] = 1;
    second[p.charCodeAt(1)] = 1;
    shortest = Math.min(shortest, p.length);
  }
  return {
    ...rest,
    triggers: ['prefix'],
    prefixes,
    start,
    second,
    quick: (text, p) => text.length - p >= shortest && prefixConsistent(text, p, prefixes),
    viablePrefix: (text, p) => prefixConsistent(text, p, prefixes),
    match: (text, p, out) => {
      const m = stickyMatch(re, text, p, out);
      return m !== null && (!validate || validate(m));
    },
  };
}

/** Characters of URL-safe and standard base64 tokens, dotted and dashed ids. */
export const TOKEN_CHARS = asciiSet('A-Za-z0-9_.+/=~\\-');

const REPEAT = /(.)\1{9,}/;
const PLACEHOLDER_WORD = /example|sample|dummy|placeholder|your|xxxx|redacted|changeme|insert|replace/i;

/**
 * The random part of a token that is not a placeholder: no run of 10 identical characters, no
 * documentation word ("...EXAMPLE", "your_token_here", "xxxx"), and more than one kind of character.
 */
export function randomLooking(body: string): boolean {
  if (REPEAT.test(body) || PLACEHOLDER_WORD.test(body)) return false;
  return /[0-9]/.test(body) || (/[a-z]/.test(body) && /[A-Z]/.test(body));
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const q = c / s.length;
    h -= q * Math.log2(q);
  }
  return h;
}
