import { asciiSet, isDigit } from '../../normalize/char-tables';
import { cardBrandValid, luhnValid } from '../checksums';
import type { DetectorDef, MatchOut } from '../detector.types';

const DIGITS = asciiSet('0-9');
const ALNUM = asciiSet('A-Za-z0-9');

const cardDigits = new Uint8Array(20);
const boundaryEnd: number[] = [];
const boundaryCount: number[] = [];

/** ' ', '-', '.' and '/' separate card digit groups (one kind per number). */
function isCardSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46 || c === 47;
}

/**
 * 12-19 digits, unseparated or in groups of 3-7 with one consistent separator. Every group boundary is a
 * candidate end, and the longest candidate that passes Luhn and an issuer check wins: "4111 1111 1111
 * 1111 12/25" and a valid number followed by another digit group ("4012888888881881 4012-...") still find
 * the card. A run that stops fitting the shape (mixed separators, a long group after separators) ends
 * there instead of failing.
 */
function matchCard(text: string, p: number, out: MatchOut): boolean {
  if (p > 0) {
    const prev = text.charCodeAt(p - 1);
    if (prev === 45 || prev === 46 || prev === 47) return false; // "-4111...": continues something else
    // "1234 5678 9012 3456 7890": a group right after a short group belongs to a longer number (a whole
    // number before it, like "4012888888881881 4012 ...", does not).
    if (prev === 32 && p > 1 && isDigit(text.charCodeAt(p - 2))) {
      let k = p - 2;
      let letters = false;
      while (k >= 0 && p - 2 - k < 8 && ALNUM[text.charCodeAt(k)] === 1) {
        if (!isDigit(text.charCodeAt(k))) letters = true;
        k--;
      }
      // A short group that is itself a middle group ("5678" in "1234 5678 9012 ...") or an IBAN-like group.
      if (
        p - 2 - k < 8 &&
        (letters || (k > 0 && text.charCodeAt(k) === 32 && isDigit(text.charCodeAt(k - 1))))
      )
        return false;
    }
  }
  const n = text.length;
  let i = p;
  let count = 0;
  let groupLen = 0;
  let groups = 0;
  let sep = -1;
  let closed = false; // the run ended at a group boundary before i
  boundaryEnd.length = 0;
  boundaryCount.length = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (count === 19) return finish(p, out); // too long: only earlier boundaries can be the card
      cardDigits[count++] = c - 48;
      groupLen++;
      i++;
      continue;
    }
    if (isCardSeparator(c) && i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
      // A group of 8+ digits is a whole number, and a change of separator starts another one.
      if (groupLen > 7 || groupLen < 3 || (sep !== -1 && sep !== c)) {
        closed = true;
        break;
      }
      if (sep === -1 && groups === 0) sep = c;
      boundaryEnd.push(i);
      boundaryCount.push(count);
      groupLen = 0;
      groups++;
      i++;
      continue;
    }
    break;
  }
  if (!closed) {
    if (i < n && ALNUM[text.charCodeAt(i)]) return false; // glued to a word: part of an identifier
    if (!(sep !== -1 && groupLen > 7)) {
      boundaryEnd.push(i);
      boundaryCount.push(count);
    }
  } else if (groups === 0 || (groupLen >= 3 && groupLen <= 7)) {
    boundaryEnd.push(i); // the run ends at this group: "...-1881 4012 ..." keeps "...-1881"
    boundaryCount.push(count);
  }
  return finish(p, out);
}

/** The longest valid prefix ending at a recorded boundary. */
function finish(p: number, out: MatchOut): boolean {
  for (let k = boundaryEnd.length - 1; k >= 0; k--) {
    const digits = boundaryCount[k];
    if (digits < 12 || digits > 19) continue;
    if (!luhnValid(cardDigits, digits) || !cardBrandValid(cardDigits, digits)) continue;
    out.start = p;
    out.end = boundaryEnd[k];
    out.redactStart = p;
    out.redactEnd = out.end;
    return true;
  }
  return false;
}

export const CARD: DetectorDef = {
  id: 'card',
  category: 'pii.card',
  placeholder: '[REDACTED:CARD]',
  start: DIGITS,
  token: asciiSet('0-9 ./\\-'),
  maxLength: 19 + 18,
  lookahead: 1,
  second: DIGITS,
  minDigits: 12,
  triggers: ['digit'],
  match: matchCard,
};
