import { allExcept, asciiSet } from '../../normalize/char-tables';
import { type DetectorDef, type MatchOut, stickyMatch } from '../detector.types';
import { entropy } from './literal-prefixed';

export const IDENT = asciiSet('A-Za-z0-9_.\\-');
/** Key names that hold a secret (gitleaks' generic keywords plus the usual spellings); `key` alone is weak. */
const KEYWORDS =
  'password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|private[_-]?key|access[_-]?key|credentials?|creds|bearer|token|pass|key';
const ASSIGN_KEYWORD = new RegExp(KEYWORDS, 'i');
const STRONG_KEYWORD =
  /password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|token|pass|credential|creds|bearer|access[_-]?key|private[_-]?key/i;
/** Key names that look like a secret's but hold something public or descriptive. */
const NOT_SECRET_KEY =
  /public|publishable|csrf|xsrf|nonce|(?:^|[_.-])(?:name|id|ids|file|path|url|uri|type|length|size|count|policy|field|header|param|label|format|version|hint|prompt|placeholder|question|expiry|expires|ttl|timeout|min|max)$|(?:Name|Id|File|Path|Url|Type|Length|Size|Count)$/;

/**
 * `key = value` in config, code and prose: any separator of the usual languages (`=`, `:`, `:=`, `=>`,
 * PHP `.=`, Makefile `::=` / `:::=` / `?=`, a typed declaration `apiKey: string = ...`) and XML elements
 * (`<password>...</password>`). The value is group 4 (quoted) or 5 (bare).
 */
const GENERIC_RE = new RegExp(
  `([A-Za-z0-9_.-]{0,32}?(?:${KEYWORDS})[A-Za-z0-9_.-]{0,16})["']?(?:\\[\\]|\\])?[ \\t]{0,3}` +
    `(?::[ \\t]{0,3}(?:string|str|String|&str|SecretStr|bytes)[ \\t]{0,3})?` +
    `(=>|:::=|::=|:=|\\?=|\\.=|=|:|>)[ \\t]{0,3}@?` +
    `(?:(["'\`])([^\\s"'\`]{4,200})\\3|([^\\s"'\`,;<>]{4,200})(?![^\\s"'\`,;<>]))`,
  'iy',
);
/**
 * A keyword name, then a quoted value closed by ';' with no separator (`apikey "...";`, C-style macros and
 * calls; detect-secrets' FOLLOWED_BY_QUOTES_AND_SEMICOLON). Value in group 3.
 */
const NO_SEPARATOR_RE = new RegExp(
  `([A-Za-z0-9_.-]{0,32}?(?:${KEYWORDS})[A-Za-z0-9_.-]{0,16})[ \\t]{0,3}(["'])([^\\s"'\`]{4,200})\\2(?=;)`,
  'iy',
);
const PLACEHOLDER_VALUE =
  /^(?:[*!]|process\.env|os\.environ|env[.:]|config\.|settings\.|secrets?[.:/]|vault:|arn:|projects\/|your[_-]|xxx|\.\.\.|\.?\.?\/|~\/)|fake|dummy|example|changeme|placeholder/i;
/** A whole value that refers to something else: ${VAR}, $var, {{ var }}, %VAR%, <token>, [secret], f(x). */
const REFERENCE_VALUE =
  /^(?:\$\{?[\w.:-]+\}?|\{\{?\s*[\w.-]+\s*\}?\}|%[\w.-]+%|<[\w .-]+>|\[[\w .-]+\]|\([\w .-]*\)|[A-Za-z_$][\w$]*(?:(?:\.[A-Za-z_$][\w$]*)+(?:\(.*|\[.*)?|\(.*|\[.*))$/;
const URL_VALUE = /^[a-z][a-z0-9+.-]{1,15}:\/\//i;
/** group:artifact[:version] coordinates (Maven, Gradle). */
const PACKAGE_COORDINATE = /^[a-z][\w-]*(?:\.[\w-]+)+:[\w.-]+(?::[\w.-]+)?$/i;
/** The name of a secret rather than its value: DB_PASSWORD, my-db-password. */
const SECRET_NAME_VALUE = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z]+(?:[-_.][a-z]+)+)$/;

/** A value that looks like a real secret rather than prose, a reference or a placeholder. */
export function looksLikeSecretValue(raw: string): boolean {
  const value = raw.replace(/[)\]}]+$/, ''); // "password=password)" in a call
  if (PLACEHOLDER_VALUE.test(value) || REFERENCE_VALUE.test(value)) return false;
  if (URL_VALUE.test(value) || PACKAGE_COORDINATE.test(value) || SECRET_NAME_VALUE.test(value)) return false;
  let classes = 0;
  if (/[a-z]/.test(value)) classes++;
  if (/[A-Z]/.test(value)) classes++;
  if (/[0-9]/.test(value)) classes++;
  if (/[^A-Za-z0-9]/.test(value)) classes++;
  if (/^(.)\1*$/.test(value)) return false;
  return value.length >= 6 && classes >= 2;
}

/** Values behind a bare `key`: long and random, like an API key (not "primary", "user_id"). */
function randomKeyValue(value: string): boolean {
  return value.length >= 16 && /\d/.test(value) && /[A-Za-z]/.test(value) && entropy(value) >= 3;
}

/**
 * Identifier chars from p; if the identifier is complete it must contain `keyword`, then a separator
 * (`:`, `=`, `>`, or `.=` / `?=`) must follow.
 */
export function assignmentPrefix(text: string, p: number, keyword: RegExp | null, spaces: boolean): boolean {
  const n = text.length;
  let i = p;
  while (i < n && i - p <= 90 && (IDENT[text.charCodeAt(i)] || (spaces && text.charCodeAt(i) === 32))) i++;
  if (i === n) return true;
  if (keyword !== null && !keyword.test(text.slice(p, i))) return false;
  let q = text.charCodeAt(i);
  if (keyword !== null && (q === 34 || q === 39)) return true; // a quoted key, or `apikey"value";`
  if (q === 34 || q === 39) q = text.charCodeAt(++i);
  if (q === 91 && i + 1 === n) return true;
  if (q === 91 && text.charCodeAt(i + 1) === 93)
    q = text.charCodeAt((i += 2)); // apikey[] =
  else if (q === 93) i++; // dict["secret"] =
  for (let k = 0; k < 3 && i < n && text.charCodeAt(i) === 32; k++) i++;
  if (i === n) return true;
  const c = text.charCodeAt(i);
  if (c === 63 || c === 46) return i + 1 === n || text.charCodeAt(i + 1) === 61; // ?= and .=
  return c === 58 || c === 61 || (keyword !== null && (c === 62 || c === 34 || c === 39)); // `key "v";`
}

function matchNoSeparator(text: string, p: number, out: MatchOut, owned: (v: string) => boolean): boolean {
  const m = stickyMatch(NO_SEPARATOR_RE, text, p, out);
  if (!m) return false;
  const [, key, , value] = m;
  if (NOT_SECRET_KEY.test(key) || !STRONG_KEYWORD.test(key) || !looksLikeSecretValue(value) || owned(value))
    return false;
  out.end -= 1;
  out.redactEnd = out.end;
  out.redactStart = out.end - value.length;
  out.start = out.redactStart;
  return true;
}

/** The generic detector; values starting with one of `ownedPrefixes` are left to the specific detectors. */
export function makeGenericAssignment(ownedPrefixes: readonly string[]): DetectorDef {
  const owned = (value: string) => ownedPrefixes.some((p) => value.startsWith(p));
  return {
    id: 'generic_assignment',
    category: 'secret.generic_assignment',
    placeholder: '[REDACTED:SECRET]',
    start: asciiSet('A-Za-z0-9_'),
    token: allExcept('\n\r\v\f\u2028\u2029'),
    maxLength: 32 + 18 + 16 + 1 + 3 + 15 + 4 + 3 + 1 + 200 + 1,
    lookahead: 1,
    triggers: ['separator'],
    backReach: 32 + 18 + 16 + 1 + 3 + 15 + 4 + 3 + 1,
    quick: (text, p) => assignmentPrefix(text, p, ASSIGN_KEYWORD, false),
    viablePrefix: (text, p) => assignmentPrefix(text, p, ASSIGN_KEYWORD, false),
    match: (text, p, out: MatchOut) => {
      const m = stickyMatch(GENERIC_RE, text, p, out);
      if (!m) return matchNoSeparator(text, p, out, owned);
      const [, key, separator, quoteChar, quoted, bare] = m;
      const quote = quoteChar ?? '';
      const value = quoted ?? bare;
      if (separator === '>' && (p === 0 || text.charCodeAt(p - 1) !== 60)) return false; // <key>value
      if (NOT_SECRET_KEY.test(key) || !looksLikeSecretValue(value) || owned(value)) return false;
      if (separator === ':' && PACKAGE_COORDINATE.test(`${key}:${value}`)) return false;
      if (!STRONG_KEYWORD.test(key) && !randomKeyValue(value)) return false;
      out.end -= quote.length;
      out.redactEnd = out.end;
      out.redactStart = out.end - value.length;
      out.start = out.redactStart; // the value only: a specific key detector on the same value wins the tie
      return true;
    },
  };
}

/** `f("value")` or `f("KEY", "value")` at the '(': the string arguments. */
const CALL_RE =
  /\([ \t]{0,2}(["'])([^"'\s]{1,64})\1(?:[ \t]{0,2},[ \t]{0,2}(["'])([^\s"'`]{4,200})\3)?[ \t]{0,2}(\)?)/y;
const SETTER = /^(?:set|with|put|use|add)[-_]?/i;
const CALL_START = asciiSet('(');
const URL_CREDENTIALS_RE = /:\/\/([^\s:@/?#"'<>]{0,64}):([^\s:@/?#"'<>]{3,200})@[A-Za-z0-9[]/y;
const URL_SCHEME_START = asciiSet(':');

/** The identifier right before p (its last dotted segment), at most 64 characters back. */
function identifierBefore(text: string, p: number): string {
  let s = p;
  while (s > 0 && p - s < 64 && IDENT[text.charCodeAt(s - 1)] === 1 && text.charCodeAt(s - 1) !== 46) s--;
  return text.slice(s, p);
}

const URL_PART = allExcept(' \t\n\r\v\f:@/?#"\'<>');

/** Could `scheme://user:password@` still start at p (':' of '://'), given the text so far? */
function urlCredentialsViable(text: string, p: number): boolean {
  const n = text.length;
  let i = p;
  for (let k = 0; k < 3; k++, i++) {
    if (i === n) return true;
    if (text.charCodeAt(i) !== (k === 0 ? 58 : 47)) return false;
  }
  const userStart = i;
  while (i < n && i - userStart <= 64 && URL_PART[text.charCodeAt(i)] === 1) i++;
  if (i === n) return true;
  if (i - userStart > 64 || text.charCodeAt(i) !== 58) return false;
  const passStart = ++i;
  while (i < n && i - passStart <= 200 && URL_PART[text.charCodeAt(i)] === 1) i++;
  if (i === n) return true;
  return i - passStart >= 3 && i - passStart <= 200 && text.charCodeAt(i) === 64;
}

/** Could a quoted call argument still follow the '(' at p, given the text so far? */
function callViable(text: string, p: number): boolean {
  const n = text.length;
  let i = p + 1;
  for (let k = 0; k < 2 && i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9); k++) i++;
  if (i === n) return true;
  const q = text.charCodeAt(i);
  if (q !== 34 && q !== 39) return false;
  const argStart = ++i;
  while (i < n && i - argStart <= 64 && text.charCodeAt(i) !== q && !/\s/.test(text[i])) i++;
  if (i === n) return true;
  return text.charCodeAt(i) === q && i > argStart;
}

/**
 * The finding runs from the attempt (the '(' or '://') to the value's end and only the value is redacted:
 * a finding that started after the attempt would need a back reach, which slows every stream push.
 */
function reportValue(out: MatchOut, p: number, valueStart: number, value: string): void {
  out.start = p;
  out.redactStart = valueStart;
  out.end = valueStart + value.length;
  out.redactEnd = out.end;
}

/**
 * Setter and lookup calls that hold a secret (`setPassword("...")`, `os.getenv("API_KEY", "...")`,
 * `System.setProperty("db.password", "...")`): reported as generic assignments (same rule, same label).
 */
export function makeGenericCall(ownedPrefixes: readonly string[]): DetectorDef {
  const owned = (value: string) => ownedPrefixes.some((p) => value.startsWith(p));
  return {
    id: 'generic_assignment',
    category: 'secret.generic_assignment',
    placeholder: '[REDACTED:SECRET]',
    start: CALL_START,
    token: allExcept('\n\r\v\f\u2028\u2029'),
    maxLength: 1 + 2 + 66 + 5 + 202 + 3,
    lookahead: 1,
    midWord: true,
    triggers: ['prefix'],
    prefixes: ['("', "('", '( "', "( '"],
    viablePrefix: callViable,
    quick: callViable,
    match: (text, p, out: MatchOut) => {
      CALL_RE.lastIndex = p;
      const m = CALL_RE.exec(text);
      if (!m) return false;
      const [, , first, , second, close] = m;
      if (second !== undefined) {
        if (!ASSIGN_KEYWORD.test(first) || NOT_SECRET_KEY.test(first)) return false;
        if (!looksLikeSecretValue(second) || owned(second)) return false;
        if (!STRONG_KEYWORD.test(first) && !randomKeyValue(second)) return false;
        reportValue(out, p, text.indexOf(second, text.indexOf(',', p + 2 + first.length)), second);
        return true;
      }
      if (close !== ')') return false;
      const name = identifierBefore(text, p);
      const setter = SETTER.exec(name);
      if (setter === null) return false;
      const key = name.slice(setter[0].length);
      if (!STRONG_KEYWORD.test(key) || NOT_SECRET_KEY.test(key)) return false;
      if (!looksLikeSecretValue(first) || owned(first)) return false;
      const at = text.indexOf(first, p + 1);
      reportValue(out, p, at, first);
      return true;
    },
  };
}

/** `scheme://user:password@host` (detect-secrets' basic-auth plugin): the password. */
export const URL_CREDENTIALS: DetectorDef = {
  id: 'generic_assignment',
  category: 'secret.generic_assignment',
  placeholder: '[REDACTED:SECRET]',
  start: URL_SCHEME_START,
  token: allExcept('\n\r\v\f\u2028\u2029'),
  maxLength: 3 + 64 + 1 + 200 + 2,
  lookahead: 0,
  midWord: true,
  triggers: ['prefix'],
  prefixes: ['://'],
  viablePrefix: urlCredentialsViable,
  quick: urlCredentialsViable,
  match: (text, p, out: MatchOut) => {
    URL_CREDENTIALS_RE.lastIndex = p;
    const m = URL_CREDENTIALS_RE.exec(text);
    if (!m) return false;
    const password = m[2];
    if (PLACEHOLDER_VALUE.test(password) || REFERENCE_VALUE.test(password) || /^(.)\1*$/.test(password))
      return false;
    reportValue(out, p, p + 3 + m[1].length + 1, password);
    return true;
  },
};
