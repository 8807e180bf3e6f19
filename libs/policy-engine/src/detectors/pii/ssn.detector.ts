import { asciiSet, isDigit } from '../../normalize/char-tables';
import type { DetectorDef, MatchOut } from '../detector.types';

const DIGITS = asciiSet('0-9');
const WORD = asciiSet('A-Za-z0-9_');
/** Context that makes the unusual groupings (3-6, 5-4) an SSN rather than a ZIP+4 or an order number. */
const SSN_CONTEXT = /\b(?:ssn|ssns|ss#|ssn#|social[ -]security|soc\.? ?sec|tin|itin|taxpayer)\b/i;
/** Context naming another 9-digit number (bank routing numbers, order and account numbers). */
const OTHER_NUMBER_CONTEXT =
  /\b(?:routing|aba|rtn|account|acct|order|invoice|tracking|phone|tel|fax|zip|isbn)\b/i;
/** Numbers published as examples (the Woolworth wallet card, the SSA's advertising specimen). */
const KNOWN_EXAMPLES = new Set(['078051120', '219099999']);

/** SSA rules: area 001-899 but not 666, group 01-99, serial 0001-9999, and not all one digit. */
export function ssnValid(d: string): boolean {
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || d.charCodeAt(0) === 57) return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  if (/^(\d)\1{8}$/.test(d)) return false;
  return !KNOWN_EXAMPLES.has(d);
}

function isSsnSeparator(c: number): boolean {
  return c === 45 || c === 32 || c === 46 || c === 47;
}

/**
 * 9 digits as 3-2-4 with one consistent separator ('-', ' ', '.', '/') or none; 3-6 and 5-4 with '-' only
 * next to SSN context words (those shapes are ZIP+4 codes and references otherwise).
 */
function matchSsn(text: string, p: number, out: MatchOut): boolean {
  const n = text.length;
  if (p > 0) {
    const prev = text.charCodeAt(p - 1);
    if (prev === 45 || prev === 46 || prev === 47 || prev === 43) return false;
  }
  const groups: number[] = [];
  let sep = -1;
  let digits = '';
  let i = p;
  let len = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      digits += text[i];
      len++;
      i++;
      if (digits.length > 9) return false;
      continue;
    }
    if (isSsnSeparator(c) && i + 1 < n && isDigit(text.charCodeAt(i + 1)) && groups.length < 2) {
      if (sep !== -1 && sep !== c) return false;
      sep = c;
      groups.push(len);
      len = 0;
      i++;
      continue;
    }
    break;
  }
  groups.push(len);
  if (digits.length !== 9) return false;
  if (i < n) {
    const after = text.charCodeAt(i);
    if (WORD[after] === 1) return false;
    if ((isSsnSeparator(after) || after === 58) && i + 1 < n && isDigit(text.charCodeAt(i + 1))) return false;
  }
  const shape = groups.join('-');
  if (shape === '3-6' || shape === '5-4') {
    if (sep !== 45 || !SSN_CONTEXT.test(text.slice(Math.max(0, p - 40), p))) return false;
  } else if (shape === '9') {
    if (OTHER_NUMBER_CONTEXT.test(text.slice(Math.max(0, p - 40), p))) return false;
  } else if (shape !== '3-2-4') return false;
  if (!ssnValid(digits)) return false;
  out.start = p;
  out.end = i;
  out.redactStart = p;
  out.redactEnd = i;
  return true;
}

export const SSN: DetectorDef = {
  id: 'ssn',
  category: 'pii.ssn',
  placeholder: '[REDACTED:SSN]',
  start: DIGITS,
  token: asciiSet('0-9 ./\\-'),
  maxLength: 11,
  lookahead: 2,
  second: DIGITS,
  minDigits: 9,
  triggers: ['digit'],
  match: matchSsn,
};
