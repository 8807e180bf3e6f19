import { asciiSet, isDigit } from '../../normalize/char-tables';
import { type DetectorDef, type MatchOut, stickyMatch } from '../detector.types';

const ALNUM = asciiSet('A-Za-z0-9');
const LETTER = asciiSet('A-Za-z');
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// A CIDR suffix belongs to the address; "1.2.3.4.5" still holds the address "1.2.3.4" (glued octet).
const IPV4_RE = new RegExp(
  `(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[12]?\\d)(?!\\d))?(?!\\w)`,
  'y',
);
const IPV6_CHARS = asciiSet('0-9A-Fa-f:.');
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV4_FULL = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

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
  return hp.length + tp.length + extraGroups <= 7;
}

/**
 * The unspecified address "::" on its own is also Haskell's and C++'s scope operator and part of Makefile
 * "::=": accept it only standing alone (start, blank, '=', bracket or quote before; end, '/', punctuation,
 * or a blank not followed by a word after).
 */
function bareUnspecifiedOk(text: string, p: number, end: number): boolean {
  const prev = p === 0 ? 32 : text.charCodeAt(p - 1);
  const afterValue = prev === 61 || prev === 91 || prev === 40 || prev === 34 || prev === 39; // = [ ( " '
  if (!afterValue && prev !== 32 && prev !== 9) return false;
  if (end >= text.length) return true;
  const next = text.charCodeAt(end);
  if (next === 32 || next === 9) {
    return afterValue || (LETTER[text.charCodeAt(end + 1)] !== 1 && text.charCodeAt(end + 1) !== 61);
  }
  return (
    next === 47 ||
    next === 44 ||
    next === 59 ||
    next === 41 ||
    next === 93 ||
    next === 34 ||
    next === 39 ||
    next === 10 ||
    next === 46
  );
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
  let end = i;
  while (end > p && text.charCodeAt(end - 1) === 46) end--; // sentence full stop
  if (colons < 2) return false;
  const candidate = text.slice(p, end);
  if (candidate === '::') {
    if (end < n && ALNUM[text.charCodeAt(end)] === 1) return false;
  } else if (!isIpv6(candidate)) return false;
  // Zone index ("fe80::1%eth0") and prefix length ("2001:db8::/32") belong to the address.
  if (end === i && text.charCodeAt(end) === 37) {
    let z = end + 1;
    while (z < n && z - end <= 16 && ALNUM[text.charCodeAt(z)] === 1) z++;
    if (z > end + 1 && z - end <= 16) end = i = z;
  }
  if (end === i && text.charCodeAt(end) === 47 && isDigit(text.charCodeAt(end + 1))) {
    let z = end + 1;
    while (z < n && z - end <= 4 && isDigit(text.charCodeAt(z))) z++;
    const bits = Number(text.slice(end + 1, z));
    if (z - end <= 4 && bits <= 128 && !ALNUM[text.charCodeAt(z)]) end = i = z;
  }
  if (end === i && i < n && (ALNUM[text.charCodeAt(i)] || text.charCodeAt(i) === 95)) return false;
  if (candidate === '::' && !bareUnspecifiedOk(text, p, end)) return false;
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
  token: asciiSet('0-9A-Za-z:.%/'),
  maxLength: 45 + 17 + 4,
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
