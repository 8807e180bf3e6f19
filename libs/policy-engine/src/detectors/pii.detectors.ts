import { asciiSet, isDigit } from '../normalize/char-tables';
import { cardBrandValid, IBAN_LENGTHS, ibanValid, luhnValid } from './checksums';
import { type DetectorDef, type MatchOut, stickyMatch } from './detector.types';

const DIGITS = asciiSet('0-9');
const ALNUM = asciiSet('A-Za-z0-9');

// --- email ---------------------------------------------------------------------------------------------
const EMAIL_RE =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/y;
const EMAIL_TOKEN = asciiSet('A-Za-z0-9._%+@\\-');

export const EMAIL: DetectorDef = {
  id: 'email',
  category: 'pii.email',
  placeholder: '[REDACTED:EMAIL]',
  start: asciiSet('A-Za-z0-9._%+\\-'),
  token: EMAIL_TOKEN,
  maxLength: 64 + 1 + 8 * 64 + 24,
  lookahead: 2,
  second: asciiSet('A-Za-z0-9._%+@\\-'),
  triggers: ['at'],
  match: (text, p, out) => stickyMatch(EMAIL_RE, text, p, out) !== null,
};

// --- payment cards ---------------------------------------------------------------------------------------
const cardDigits = new Uint8Array(20);
const boundaryEnd: number[] = [];
const boundaryCount: number[] = [];

/**
 * 12-19 digits, optionally in groups of 3-7 separated by one consistent space or dash; the longest prefix
 * ending at a group boundary that passes Luhn and an issuer check wins (so "card 4111 1111 1111 1111 12/25"
 * still finds the card).
 */
function matchCard(text: string, p: number, out: MatchOut): boolean {
  if (p > 0 && text.charCodeAt(p - 1) === 45) return false; // "-4111..." continues something else
  const n = text.length;
  let i = p;
  let count = 0;
  let groupLen = 0;
  let sep = -1;
  let overflow = false;
  boundaryEnd.length = 0;
  boundaryCount.length = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (count === 19) {
        overflow = true;
        break;
      }
      cardDigits[count++] = c - 48;
      groupLen++;
      i++;
      continue;
    }
    if ((c === 32 || c === 45) && i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
      if (sep === -1) sep = c;
      else if (sep !== c) break;
      if (groupLen < 3 || groupLen > 7) return false;
      boundaryEnd.push(i);
      boundaryCount.push(count);
      groupLen = 0;
      i++;
      continue;
    }
    break;
  }
  if (!overflow) {
    if (sep !== -1 && groupLen > 7) return false;
    if (i < n && ALNUM[text.charCodeAt(i)]) return false;
    boundaryEnd.push(i);
    boundaryCount.push(count);
  }
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
  token: asciiSet('0-9 \\-'),
  maxLength: 19 + 18,
  lookahead: 1,
  second: DIGITS,
  minDigits: 12,
  triggers: ['digit'],
  match: matchCard,
};

// --- US SSN ------------------------------------------------------------------------------------------------
const SSN_RE = /(?<![\w-])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-]|\.\d)/y;

export const SSN: DetectorDef = {
  id: 'ssn',
  category: 'pii.ssn',
  placeholder: '[REDACTED:SSN]',
  start: DIGITS,
  token: asciiSet('0-9 \\-'),
  maxLength: 11,
  lookahead: 2,
  second: DIGITS,
  quick: (text, p) => {
    const c = text.charCodeAt(p + 3);
    return c === 45 || c === 32;
  },
  minDigits: 9,
  triggers: ['digit'],
  match: (text, p, out) => stickyMatch(SSN_RE, text, p, out) !== null,
};

// --- phone -------------------------------------------------------------------------------------------------
const groupLens: number[] = [];

function isPhoneSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46;
}

/**
 * Digit groups separated by single ' ', '-' or '.' (one "(area)" group allowed). Accepted shapes:
 * "+" then 8-15 digits (E.164, any grouping); NANP 3-3-4 (optionally "1" first); national numbers with a
 * trunk 0 and 10-11 digits in 2-4 groups. Unseparated digit runs without "+" are not phones.
 */
function matchPhone(text: string, p: number, out: MatchOut): boolean {
  if (p > 0) {
    const prev = text.charCodeAt(p - 1);
    if (prev === 43 || prev === 45 || prev === 46 || prev === 41 || prev === 40) return false;
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
  if ((after === 45 || after === 46) && i + 1 < n && isDigit(text.charCodeAt(i + 1))) return false;
  const g = groupLens;
  let ok = false;
  if (plus) {
    ok = total >= 8 && total <= 15 && (separators > 0 || parenGroup !== -1 || g.length === 1);
  } else if (separators > 0 || parenGroup !== -1) {
    const nanpAt = (a: number) => g.length === a + 3 && g[a] === 3 && g[a + 1] === 3 && g[a + 2] === 4;
    if (nanpAt(0) && parenGroup <= 0) ok = firstDigit >= 2;
    else if (nanpAt(1) && g[0] === 1 && firstDigit === 1 && parenGroup !== 0) ok = true;
    else if (
      firstDigit === 0 &&
      parenGroup <= 0 &&
      g.length >= 2 &&
      g.length <= 5 &&
      total >= 10 &&
      total <= 11
    ) {
      ok = g.every((len) => len >= 2);
    }
  }
  if (!ok) return false;
  out.start = p;
  out.end = i;
  out.redactStart = p;
  out.redactEnd = i;
  return true;
}

export const PHONE: DetectorDef = {
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
  match: matchPhone,
};

// --- IBAN --------------------------------------------------------------------------------------------------
const UPPER = asciiSet('A-Z');

/** Country code, two check digits, then exactly the country's length, in groups of 4 or unseparated. */
function matchIban(text: string, p: number, out: MatchOut): boolean {
  const n = text.length;
  if (p + 4 > n) return false;
  const cc = text.slice(p, p + 2);
  const expected = IBAN_LENGTHS[cc];
  if (!expected) return false;
  if (!isDigit(text.charCodeAt(p + 2)) || !isDigit(text.charCodeAt(p + 3))) return false;
  let compact = text.slice(p, p + 4);
  let i = p + 4;
  let sinceSpace = 4;
  let spaced = false;
  while (compact.length < expected && i < n) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (sinceSpace !== 4 || i + 1 >= n || !ALNUM[text.charCodeAt(i + 1)]) return false;
      if (!spaced && compact.length !== 4) return false;
      spaced = true;
      sinceSpace = 0;
      i++;
      continue;
    }
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false;
    if (spaced && sinceSpace === 4) return false;
    compact += text[i];
    sinceSpace++;
    i++;
  }
  if (compact.length !== expected) return false;
  if (i < n && ALNUM[text.charCodeAt(i)]) return false;
  if (!ibanValid(compact)) return false;
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
  token: asciiSet('A-Z0-9 '),
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

// --- IP addresses ------------------------------------------------------------------------------------------
const IPV4_RE =
  /(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\w]|\.\d)/y;
const IPV6_CHARS = asciiSet('0-9A-Fa-f:.');
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV4_FULL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv6(candidate: string): boolean {
  let s = candidate;
  let extraGroups = 0;
  if (s.includes('.')) {
    const last = s.lastIndexOf(':');
    if (last < 0 || !IPV4_FULL.test(s.slice(last + 1))) return false;
    s = s.slice(0, last + 1) + '0';
    extraGroups = 1;
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return false;
  if (dbl < 0) {
    const parts = s.split(':');
    return parts.length + extraGroups === 8 && parts.every((x) => HEX_GROUP.test(x));
  }
  const head = s.slice(0, dbl);
  const tail = s.slice(dbl + 2);
  const hp = head ? head.split(':') : [];
  const tp = tail ? tail.split(':') : [];
  if (!hp.every((x) => HEX_GROUP.test(x)) || !tp.every((x) => HEX_GROUP.test(x))) return false;
  return hp.length + tp.length + extraGroups <= 7 && hp.length + tp.length > 0;
}

function matchIpv6(text: string, p: number, out: MatchOut): boolean {
  const n = text.length;
  let i = p;
  let colons = 0;
  while (i < n && IPV6_CHARS[text.charCodeAt(i)]) {
    if (text.charCodeAt(i) === 58) colons++;
    i++;
    if (i - p > 45) return false;
  }
  if (i < n && (ALNUM[text.charCodeAt(i)] || text.charCodeAt(i) === 95)) return false;
  let end = i;
  while (end > p && text.charCodeAt(end - 1) === 46) end--; // sentence full stop
  if (colons < 2) return false;
  if (!isIpv6(text.slice(p, end))) return false;
  out.start = p;
  out.end = end;
  out.redactStart = p;
  out.redactEnd = end;
  return true;
}

export const IP: DetectorDef = {
  id: 'ip',
  category: 'pii.ip',
  placeholder: '[REDACTED:IP]',
  start: asciiSet('0-9A-Fa-f:'),
  token: IPV6_CHARS,
  maxLength: 45,
  lookahead: 2,
  second: asciiSet('0-9A-Fa-f:.'),
  triggers: ['digit', 'colon'],
  match: (text, p, out) => {
    if (p > 0) {
      const prev = text.charCodeAt(p - 1);
      if (prev === 58 || prev === 46) return false;
    }
    if (isDigit(text.charCodeAt(p)) && stickyMatch(IPV4_RE, text, p, out)) return true;
    return matchIpv6(text, p, out);
  },
};

export const PII_DETECTORS: readonly DetectorDef[] = [CARD, SSN, IBAN, EMAIL, PHONE, IP];
