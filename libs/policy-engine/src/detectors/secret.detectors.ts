import { allExcept, asciiSet } from '../normalize/char-tables';
import { type DetectorDef, stickyMatch } from './detector.types';
import {
  assignmentPrefix,
  IDENT,
  makeGenericAssignment,
  makeGenericCall,
  URL_CREDENTIALS,
} from './secret/generic-assignment.detector';
import { literalPrefixed, randomLooking } from './secret/literal-prefixed';
import { PROVIDER_TOKEN_DETECTORS } from './secret/provider-tokens.detectors';

const KEY_TOKEN = asciiSet('A-Za-z0-9_\\-');
const HAS_DIGIT = /\d/;
const HAS_LETTER = /[A-Za-z]/;

export const ANTHROPIC_KEY = literalPrefixed({
  id: 'anthropic_key',
  category: 'secret.anthropic_key',
  placeholder: '[REDACTED:ANTHROPIC_KEY]',
  prefixes: ['sk-ant-'],
  re: /sk-ant-[a-z0-9]{2,12}-[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/y,
  token: KEY_TOKEN,
  maxLength: 7 + 13 + 200,
  lookahead: 1,
});

export const OPENAI_KEY = literalPrefixed({
  id: 'openai_key',
  category: 'secret.openai_key',
  placeholder: '[REDACTED:OPENAI_KEY]',
  prefixes: ['sk-'],
  re: /sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/y,
  // Real keys are random base62: a body without digits is prose like "sk-this-is-not-a-real-key".
  validate: (m) => HAS_DIGIT.test(m[0].slice(3)) && HAS_LETTER.test(m[0].slice(3)),
  token: KEY_TOKEN,
  maxLength: 3 + 8 + 200,
  lookahead: 1,
});

export const AWS_ACCESS_KEY = literalPrefixed({
  id: 'aws_access_key',
  category: 'secret.aws_access_key',
  placeholder: '[REDACTED:AWS_ACCESS_KEY]',
  prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'AROA', 'APKA'],
  re: /(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}(?![A-Za-z0-9])/y,
  // "AKIAXXXXXXXXXXXXXXXX" and the like are placeholders; AWS's documentation keys end in "EXAMPLE"
  // (AKIAIOSFODNN7EXAMPLE; gitleaks allowlists the same).
  validate: (m) => !/(.)\1{7}/.test(m[0].slice(4)) && !m[0].endsWith('EXAMPLE'),
  token: asciiSet('A-Z0-9'),
  maxLength: 20,
  lookahead: 1,
});

export const GITHUB_TOKEN = literalPrefixed({
  id: 'github_token',
  category: 'secret.github_token',
  placeholder: '[REDACTED:GITHUB_TOKEN]',
  prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  re: /(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,251})(?![A-Za-z0-9_])/y,
  token: asciiSet('A-Za-z0-9_'),
  maxLength: 11 + 251,
  lookahead: 1,
});

export const SLACK_TOKEN = literalPrefixed({
  id: 'slack_token',
  category: 'secret.slack_token',
  placeholder: '[REDACTED:SLACK_TOKEN]',
  // Bot/user/legacy tokens, app-level tokens (xapp-), configuration tokens (xoxe.xoxp-) and their refresh
  // tokens (xoxe-), per Slack's token types and gitleaks' slack rules.
  prefixes: [
    'xoxb-',
    'xoxa-',
    'xoxp-',
    'xoxr-',
    'xoxs-',
    'xoxo-',
    'xoxe-',
    'xoxe.xoxb-',
    'xoxe.xoxp-',
    'xapp-',
  ],
  // Shapes per gitleaks' slack rules and detect-secrets' slack plugin: bot (xoxb-digits-...), user and
  // legacy (xox[peos] with 2-3 numeric groups), workspace (xoxa/xoxr), app-level (xapp-), configuration
  // access (xoxe.xox[bp]-) and refresh (xoxe-) tokens.
  re: /(?:xoxb-\d{8,14}-[A-Za-z0-9-]{18,250}|xox[peos](?:-\d{6,14}){2,3}-[A-Za-z0-9]{10,128}|xox[ar]-(?:\d-)?[A-Za-z0-9]{6,48}(?:-[A-Za-z0-9]{6,48}){0,4}|xapp-\d-[A-Za-z0-9]{6,20}-\d{6,16}-[A-Za-z0-9]{20,128}|xoxe\.xox[bp]-\d-[A-Za-z0-9]{100,200}|xoxe-\d-[A-Za-z0-9]{100,200})(?![A-Za-z0-9-])/y,
  validate: (m) => HAS_DIGIT.test(m[0].slice(5)) && randomLooking(m[0].slice(m[0].lastIndexOf('-') + 1)),
  token: asciiSet('A-Za-z0-9\\-'),
  maxLength: 5 + 250,
  lookahead: 1,
});

export const GOOGLE_API_KEY = literalPrefixed({
  id: 'google_api_key',
  category: 'secret.google_api_key',
  placeholder: '[REDACTED:GOOGLE_API_KEY]',
  prefixes: ['AIza'],
  re: /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/y,
  token: KEY_TOKEN,
  maxLength: 39,
  lookahead: 1,
});

export const STRIPE_KEY = literalPrefixed({
  id: 'stripe_key',
  category: 'secret.stripe_key',
  placeholder: '[REDACTED:STRIPE_KEY]',
  prefixes: [
    'sk_live_',
    'sk_test_',
    'sk_prod_',
    'rk_live_',
    'rk_test_',
    'rk_prod_',
    'pk_live_',
    'pk_test_',
    'whsec_',
  ],
  re: /(?:[sr]k_(?:live|test|prod)_|pk_(?:live|test)_|whsec_)[0-9A-Za-z]{10,247}(?![0-9A-Za-z])/y,
  validate: (m) => randomLooking(m[0].slice(m[0].indexOf('_', 3) + 1)),
  token: asciiSet('A-Za-z0-9_'),
  maxLength: 8 + 247,
  lookahead: 1,
});

/** A JWT header: base64url of a JSON object (detect-secrets parses it; a cheap shape check here). */
function jsonObjectHeader(header: string): boolean {
  const decoded = Buffer.from(header, 'base64url').toString('latin1');
  try {
    const value: unknown = JSON.parse(decoded);
    return typeof value === 'object' && value !== null;
  } catch {
    // Hand-edited samples keep the shape and the usual header names.
    return /^\{\s*"[\s\S]*\}\s*$/.test(decoded) && /"(?:alg|typ|kid)"/.test(decoded);
  }
}

export const JWT = literalPrefixed({
  id: 'jwt',
  category: 'secret.jwt',
  placeholder: '[REDACTED:JWT]',
  prefixes: ['eyJ'],
  // Header.payload[.signature]; the header must decode to a JSON object ("{...}").
  re: /(?<![.A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,1024}\.[A-Za-z0-9_-]{5,2048}(?:\.[A-Za-z0-9_-]{0,1024})?(?![A-Za-z0-9_-])/y,
  validate: (m) => jsonObjectHeader(m[0].slice(0, m[0].indexOf('.'))),
  token: asciiSet('A-Za-z0-9_.\\-'),
  maxLength: 3 + 1024 + 1 + 2048 + 1 + 1024,
  lookahead: 1,
});

/** PEM private key blocks, bounded at 8 KB of body; an unterminated block is masked to where it stops. */
export const PRIVATE_KEY = literalPrefixed({
  id: 'private_key',
  category: 'secret.private_key',
  placeholder: '[REDACTED:PRIVATE_KEY]',
  prefixes: ['-----BEGIN '],
  re: /-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:\r?\nProc-Type: [A-Za-z0-9,: -]{0,64}\r?\nDEK-Info: [A-Za-z0-9,: -]{0,128}\r?\n)?[A-Za-z0-9+/=\r\n]{0,8192}(?:-----END (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----)?/y,
  token: asciiSet('A-Za-z0-9+/= ,:\r\n\\-'),
  maxLength: 11 + 51 + 30 + 200 + 8192 + 60,
  lookahead: 0,
});

// --- assignments ------------------------------------------------------------------------------------------
const AWS_SECRET_RE =
  /[A-Za-z0-9_.-]{0,20}?aws[A-Za-z0-9_. -]{0,30}?secret[A-Za-z0-9_. -]{0,30}?["']?[ \t]{0,3}(?:=|:=|:|=>)[ \t]{0,3}["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/iy;

/** "aws" (any case) within the first 23 identifier characters from p, without allocating. */
function hasAwsNear(text: string, p: number): boolean {
  const end = Math.min(text.length - 2, p + 21);
  for (let i = p; i < end; i++) {
    if (
      (text.charCodeAt(i) | 32) === 97 &&
      (text.charCodeAt(i + 1) | 32) === 119 &&
      (text.charCodeAt(i + 2) | 32) === 115
    ) {
      return true;
    }
    if (!IDENT[text.charCodeAt(i)]) return false;
  }
  return false;
}

export const AWS_SECRET_KEY: DetectorDef = {
  id: 'aws_secret_key',
  category: 'secret.aws_secret_key',
  placeholder: '[REDACTED:AWS_SECRET_KEY]',
  start: asciiSet('A-Za-z0-9_'),
  token: allExcept('\n\r\v\f\u2028\u2029'),
  maxLength: 20 + 3 + 30 + 6 + 30 + 1 + 3 + 2 + 3 + 1 + 40,
  lookahead: 1,
  triggers: ['separator'],
  backReach: 20 + 3 + 30 + 6 + 30 + 1 + 3 + 2 + 3 + 1,
  quick: (text, p) => hasAwsNear(text, p) && assignmentPrefix(text, p, null, true),
  viablePrefix: (text, p) => {
    // "aws" must appear within the first 23 identifier characters (or the text ends before we know).
    const end = Math.min(text.length, p + 23);
    for (let i = p; i < end; i++) {
      if (!IDENT[text.charCodeAt(i)]) return false;
      if (i + 3 > text.length) return true;
      if (
        (text.charCodeAt(i) | 32) === 97 &&
        (text.charCodeAt(i + 1) | 32) === 119 &&
        (text.charCodeAt(i + 2) | 32) === 115
      ) {
        return true;
      }
    }
    return end === text.length;
  },
  // The finding is the value alone, so a more specific detector matching the same value wins the tie.
  match: (text, p, out) => {
    if (!stickyMatch(AWS_SECRET_RE, text, p, out)) return false;
    // AWS's documentation secrets (wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) are published examples.
    if (text.startsWith('EXAMPLEKEY', out.end - 10)) return false;
    out.redactStart = out.end - 40;
    out.redactEnd = out.end;
    out.start = out.redactStart;
    return true;
  },
};

export { looksLikeSecretValue } from './secret/generic-assignment.detector';

const SPECIFIC_DETECTORS: readonly DetectorDef[] = [
  ...PROVIDER_TOKEN_DETECTORS,
  ANTHROPIC_KEY,
  OPENAI_KEY,
  AWS_ACCESS_KEY,
  GITHUB_TOKEN,
  SLACK_TOKEN,
  GOOGLE_API_KEY,
  STRIPE_KEY,
  JWT,
  PRIVATE_KEY,
];

/** Short or word-like prefixes that also begin ordinary values: the generic detector keeps those. */
const SHARED_PREFIXES = new Set([
  'key-',
  'pat.',
  'sat.',
  'dapi',
  'EAAA',
  'ATBB',
  'pul-',
  'xai-',
  'SG.',
  'sl.',
]);

/**
 * A value that starts with a provider's prefix is that provider's to judge: the generic detector leaves
 * it alone (a malformed "xoxp-1234567890" is no secret under any label).
 */
const OWNED_PREFIXES = SPECIFIC_DETECTORS.flatMap((d) => d.prefixes ?? []).filter(
  (p) => p.length >= 4 && !SHARED_PREFIXES.has(p),
);
export const GENERIC_ASSIGNMENT = makeGenericAssignment(OWNED_PREFIXES);

/** More shapes of the generic assignment, run under its rule: setter/lookup calls, URL credentials. */
export const GENERIC_ASSIGNMENT_SHAPES: readonly DetectorDef[] = [
  makeGenericCall(OWNED_PREFIXES),
  URL_CREDENTIALS,
];

export const SECRET_DETECTORS: readonly DetectorDef[] = [
  ...PROVIDER_TOKEN_DETECTORS,
  ANTHROPIC_KEY,
  OPENAI_KEY,
  AWS_ACCESS_KEY,
  AWS_SECRET_KEY,
  GITHUB_TOKEN,
  SLACK_TOKEN,
  GOOGLE_API_KEY,
  STRIPE_KEY,
  JWT,
  PRIVATE_KEY,
  GENERIC_ASSIGNMENT,
];
