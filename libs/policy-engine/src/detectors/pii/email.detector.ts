import { asciiSet } from '../../normalize/char-tables';
import { type DetectorDef, stickyMatch } from '../detector.types';

// The top-level label is letters, or an IDN in punycode ("xn--p1ai"). "scheme://user:password@host" is a
// URL's credentials, not an address (the generic assignment reports the password).
const EMAIL_RE =
  /(?<![A-Za-z0-9._%+-])(?<!\/\/[^\s/@:]{0,64}:)[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59}[A-Za-z0-9])(?![A-Za-z0-9-]|\.[A-Za-z0-9])/y;

export const EMAIL: DetectorDef = {
  id: 'email',
  category: 'pii.email',
  placeholder: '[REDACTED:EMAIL]',
  start: asciiSet('A-Za-z0-9._%+\\-'),
  token: asciiSet('A-Za-z0-9._%+@\\-'),
  maxLength: 64 + 1 + 8 * 64 + 64,
  lookahead: 2,
  second: asciiSet('A-Za-z0-9._%+@\\-'),
  triggers: ['at'],
  match: (text, p, out) => stickyMatch(EMAIL_RE, text, p, out) !== null,
};
