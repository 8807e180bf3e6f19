import { asciiSet, isDigit } from '../../normalize/char-tables';
import { IBAN_LENGTHS, ibanFullyValid } from '../checksums';
import type { DetectorDef, MatchOut } from '../detector.types';

const UPPER = asciiSet('A-Z');
const ALNUM = asciiSet('A-Za-z0-9');

/**
 * Country code, two check digits, then exactly the country's length, unseparated or in groups of 4 split
 * by one consistent ' ' or '-'; the checksum and the country's BBAN format must hold.
 */
function matchIban(text: string, p: number, out: MatchOut): boolean {
  const n = text.length;
  if (p + 4 > n) return false;
  const expected = IBAN_LENGTHS[text.slice(p, p + 2)];
  if (!expected) return false;
  if (!isDigit(text.charCodeAt(p + 2)) || !isDigit(text.charCodeAt(p + 3))) return false;
  let compact = text.slice(p, p + 4);
  let i = p + 4;
  let sinceSep = 4;
  let sep = -1;
  while (compact.length < expected && i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 45) {
      if (sinceSep !== 4 || i + 1 >= n || !ALNUM[text.charCodeAt(i + 1)]) return false;
      if (sep === -1 && compact.length !== 4) return false;
      if (sep !== -1 && sep !== c) return false;
      sep = c;
      sinceSep = 0;
      i++;
      continue;
    }
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false;
    if (sep !== -1 && sinceSep === 4) return false;
    compact += text[i];
    sinceSep++;
    i++;
  }
  if (compact.length !== expected) return false;
  if (i < n && ALNUM[text.charCodeAt(i)]) return false;
  if (!ibanFullyValid(compact)) return false;
  out.start = p;
  out.end = i;
  out.redactStart = p;
  out.redactEnd = i;
  return true;
}

export const IBAN: DetectorDef = {
  id: 'iban',
  category: 'pii.iban',
  placeholder: '[REDACTED:IBAN]',
  start: UPPER,
  token: asciiSet('A-Z0-9 \\-'),
  maxLength: 34 + 8,
  lookahead: 1,
  second: UPPER,
  quick: (text, p) => isDigit(text.charCodeAt(p + 2)),
  viablePrefix: (text, p) => {
    const n = text.length;
    if (p + 1 < n && !UPPER[text.charCodeAt(p + 1)]) return false;
    if (p + 2 <= n && p + 1 < n && !IBAN_LENGTHS[text.slice(p, p + 2)]) return false;
    if (p + 2 < n && !isDigit(text.charCodeAt(p + 2))) return false;
    if (p + 3 < n && !isDigit(text.charCodeAt(p + 3))) return false;
    return true;
  },
  triggers: ['upper-digit'],
  match: matchIban,
};
