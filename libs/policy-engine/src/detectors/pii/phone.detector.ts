import { asciiSet, isDigit } from '../../normalize/char-tables';
import type { DetectorDef, MatchOut } from '../detector.types';
import { defaultPhoneNumbering, type PhoneNumbering, validInternational } from './phone-numbering';

const ALNUM = asciiSet('A-Za-z0-9');
const groupLens: number[] = [];
/** Words that make an unseparated 10-11 digit run a phone number rather than an id. */
const PHONE_CONTEXT = /(?:phone|tel|mobile|cell|call|fax|whatsapp|contact|number|sms|text me)\W{0,12}$/i;

function isPhoneSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46;
}

/** "2024-01-15", "15.01.2024", "01 15 2024": a year group next to groups of at most 2 digits. */
function dateLike(g: readonly number[], digits: string): boolean {
  if (g.length !== 3) return false;
  const year = (k: number) => g[k] === 4 && /^(?:19|20)/.test(digits.slice(offset(g, k)));
  return (year(0) && g[1] <= 2 && g[2] <= 2) || (year(2) && g[0] <= 2 && g[1] <= 2);
}

function offset(g: readonly number[], k: number): number {
  let o = 0;
  for (let j = 0; j < k; j++) o += g[j];
  return o;
}

/**
 * Shapes accepted on their own (no metadata lookup): "+" then 8-15 digits (any grouping); NANP 3-3-4
 * (optionally "1" first); national numbers with a trunk 0 and 10-11 digits in 2-5 groups of 2+.
 */
function classicShape(
  plus: boolean,
  g: readonly number[],
  total: number,
  first: number,
  seps: number,
  paren: number,
): boolean {
  if (plus) return total >= 8 && total <= 15 && (seps > 0 || paren !== -1 || g.length === 1);
  if (seps === 0 && paren === -1) return false;
  const nanpAt = (a: number) => g.length === a + 3 && g[a] === 3 && g[a + 1] === 3 && g[a + 2] === 4;
  if (nanpAt(0) && paren <= 0) return first >= 2;
  if (nanpAt(1) && g[0] === 1 && first === 1 && paren !== 0) return true;
  if (first === 0 && paren <= 0 && g.length >= 2 && g.length <= 5 && total >= 10 && total <= 11) {
    return g.every((len) => len >= 2);
  }
  return false;
}

/**
 * Everything else is checked against libphonenumber metadata: a country code written without '+'
 * ("90 532 123 45 67", "0044 20 7946 0958") or a national number of a configured region ("0532 123 45 67",
 * "212-5551234", "09-7625400", unseparated "09171234567" and Chinese mobiles). Unseparated runs that are
 * neither trunk-0 nor Chinese mobiles need a phone word before them.
 */
function metadataShape(
  text: string,
  p: number,
  g: readonly number[],
  digits: string,
  seps: number,
  paren: number,
  numbering: PhoneNumbering,
): boolean {
  if (digits.length < 8 || dateLike(g, digits)) return false;
  if (g.length === 4 && g.every((len) => len <= 3) && text.charCodeAt(p + g[0]) === 46) return false; // IPv4
  // A lone trunk "0" group is how Turkish numbers are often written ("0 532 123 45 67").
  const loneTrunk = g[0] === 1 && digits.charCodeAt(0) === 48 && g.length >= 3;
  if (paren === -1 && g.some((len, k) => len < 2 && !(k === 0 && loneTrunk))) return false;
  if (digits.startsWith('00')) return seps > 0 && validInternational(digits.slice(2));
  if (seps === 0 && paren === -1) {
    // A country code written without '+' ("905321234567"), only after a phone word.
    if (digits.length >= 11 && digits.length <= 13 && digits.charCodeAt(0) !== 48) {
      const ctx = PHONE_CONTEXT.test(text.slice(Math.max(0, p - 40), p));
      if (ctx && validInternational(digits)) return true;
    }
    if (digits.length < 10 || digits.length > 11) return false;
    const obvious = digits.charCodeAt(0) === 48 || /^1[3-9]\d{9}$/.test(digits);
    if (!obvious && !PHONE_CONTEXT.test(text.slice(Math.max(0, p - 40), p))) return false;
    return numbering.validNational(digits);
  }
  if (g.length >= 3 && g[0] <= 3 && digits.charCodeAt(0) !== 48 && validInternational(digits)) return true;
  // "(11) 91234-5678": an area code in parentheses is a phone number whether or not the trunk 0 is written.
  return numbering.validNational(digits) || (paren === 0 && numbering.validNational(`0${digits}`));
}

/** Digit groups separated by single ' ', '-' or '.' (one "(area)" group allowed). */
function matchPhone(text: string, p: number, out: MatchOut, numbering: PhoneNumbering): boolean {
  if (p > 0) {
    const prev = text.charCodeAt(p - 1);
    if (prev === 43 || prev === 45 || prev === 46 || prev === 41 || prev === 40 || prev === 47) return false;
    // "0044 0532 0130 01": a group right after another digit group belongs to something longer.
    if (prev === 32 && p > 1 && isDigit(text.charCodeAt(p - 2))) return false;
  }
  const n = text.length;
  let i = p;
  const plus = text.charCodeAt(p) === 43;
  if (plus) {
    i++;
    const c = text.charCodeAt(i);
    if (!(c >= 49 && c <= 57)) return false;
  }
  groupLens.length = 0;
  let parenGroup = -1;
  let total = 0;
  let firstDigit = -1;
  let separators = 0;
  const digitStart = i;
  for (;;) {
    if (groupLens.length >= 8) return false;
    let len = 0;
    let c = text.charCodeAt(i);
    const paren = c === 40;
    if (paren) {
      if (parenGroup !== -1) return false;
      parenGroup = groupLens.length;
      i++;
    }
    while (i < n && isDigit((c = text.charCodeAt(i)))) {
      if (firstDigit === -1) firstDigit = c - 48;
      i++;
      if (++len > 15) return false;
    }
    if (len === 0) return false;
    if (paren) {
      if (len > 4 || text.charCodeAt(i) !== 41) return false;
      i++;
    }
    groupLens.push(len);
    total += len;
    if (total > 15) return false;
    if (i + 1 < n && isPhoneSeparator(text.charCodeAt(i))) {
      const next = text.charCodeAt(i + 1);
      if (isDigit(next) || (next === 40 && text.charCodeAt(i) === 32)) {
        i++;
        separators++;
        continue;
      }
    }
    if (paren && i < n && isDigit(text.charCodeAt(i))) continue; // "(555)123-4567"
    break;
  }
  const after = i < n ? text.charCodeAt(i) : -1;
  if (after !== -1 && (ALNUM[after] || after === 64 || after === 95 || after === 40)) return false;
  if ((after === 45 || after === 46 || after === 47) && i + 1 < n && isDigit(text.charCodeAt(i + 1)))
    return false;
  let ok = classicShape(plus, groupLens, total, firstDigit, separators, parenGroup);
  if (!ok && !plus) {
    const digits = text.slice(digitStart, i).replace(/\D/g, '');
    ok = metadataShape(text, p, groupLens, digits, separators, parenGroup, numbering);
  } else if (!ok && plus && total >= 8) {
    ok = validInternational(text.slice(digitStart, i).replace(/\D/g, ''));
  }
  if (!ok) return false;
  out.start = p;
  out.end = i;
  out.redactStart = p;
  out.redactEnd = i;
  return true;
}

/**
 * The phone detector for one region list (a policy's `phoneRegions`), or, without one, for the process
 * default (setPhoneRegions), read at match time.
 */
export function phoneDetector(numbering?: PhoneNumbering): DetectorDef {
  return {
    id: 'phone',
    category: 'pii.phone',
    placeholder: '[REDACTED:PHONE]',
    start: asciiSet('0-9+('),
    token: asciiSet('0-9 .()+\\-'),
    maxLength: 15 + 16,
    lookahead: 2,
    second: asciiSet('0-9 .(\\-'),
    minDigits: 8,
    triggers: ['digit'],
    match: numbering
      ? (text, p, out) => matchPhone(text, p, out, numbering)
      : (text, p, out) => matchPhone(text, p, out, defaultPhoneNumbering.current),
  };
}

export const PHONE: DetectorDef = phoneDetector();
