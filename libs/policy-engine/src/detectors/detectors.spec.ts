import { compilePolicy } from '../compile/compile-policy';
import { BUILTIN_CATEGORIES } from '../schema/policy-categories';
import { DEFAULT_PHONE_REGIONS, setPhoneRegions } from './pii/phone-numbering';

// Behaviour of the detectors on the kinds of input issue 18 lists (regression cases; the quality figures
// come from the third-party evaluation in libs/policy-engine/eval).
const policy = compilePolicy({
  version: 1,
  rules: BUILTIN_CATEGORIES.filter((c) => !c.startsWith('injection.')).map((category) => ({
    id: category,
    category,
    target: 'input' as const,
    action: 'redact' as const,
  })),
});
const found = (text: string) =>
  policy.evaluate(text, { target: 'input' }).findings.map((f) => [f.category, text.slice(f.start, f.end)]);

describe('built-in detectors', () => {
  afterEach(() => setPhoneRegions(DEFAULT_PHONE_REGIONS));

  it('finds national phone formats through the metadata, and only in the configured regions', () => {
    expect(found('ara 0532 123 45 67')).toEqual([['pii.phone', '0532 123 45 67']]);
    expect(found('call 09171234567')).toEqual([['pii.phone', '09171234567']]);
    expect(found('on 2024-01-15 at noon')).toEqual([]);
    expect(found('office 09-7625400')).toEqual([['pii.phone', '09-7625400']]);
    expect(found('tel 0 532 123 45 67')).toEqual([['pii.phone', '0 532 123 45 67']]);
    expect(found('call 905321234567')).toEqual([['pii.phone', '905321234567']]);
    expect(found('order 905321234567')).toEqual([]);
    expect(found('SP (11) 91234-5678')).toEqual([['pii.phone', '(11) 91234-5678']]);
    setPhoneRegions(['US']);
    expect(found('office 09-7625400')).toEqual([]);
  });

  it('takes phone regions per policy: two policies with different regions in one process', () => {
    const phonePolicy = (phoneRegions?: string[]) =>
      compilePolicy({
        version: 1,
        ...(phoneRegions ? { phoneRegions } : {}),
        rules: [{ id: 'p', category: 'pii.phone', target: 'input', action: 'flag' }],
      });
    const phones = (p: ReturnType<typeof phonePolicy>, text: string) =>
      p.evaluate(text, { target: 'input' }).findings.map((f) => text.slice(f.start, f.end));
    const israel = phonePolicy(['IL']);
    const us = phonePolicy(['US']);
    const byDefault = phonePolicy();
    const il = 'office 09-7625400';
    const nanp = 'office 212-5551234';
    expect(phones(israel, il)).toEqual(['09-7625400']);
    expect(phones(us, il)).toEqual([]);
    expect(phones(us, nanp)).toEqual(['212-5551234']);
    expect(phones(israel, nanp)).toEqual([]);
    // The process default still applies to policies without their own list, and only to them.
    setPhoneRegions(['US']);
    expect(phones(byDefault, il)).toEqual([]);
    expect(phones(israel, il)).toEqual(['09-7625400']);
    expect(() => phonePolicy(['XX'])).toThrow(/phoneRegions\[0\]/);
    expect(() => phonePolicy(['us'])).toThrow(/phoneRegions must be ISO 3166-1 alpha-2/);
  });

  it('decodes base64 runs and reports the decoded finding on the encoded span', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const aws = b64('aws_access_key_id = AKIAZ52HGXYRN4WBTEST');
    expect(found(`env: ${aws} done`)).toEqual([['secret.aws_access_key', aws]]);
    const card = b64('card 4111 1111 1111 1111');
    expect(found(`x ${card}`)).toEqual([['pii.card', card]]);
    const urlSafe = b64('mail me: john.doe@example.com').replace(/\+/g, '-').replace(/\//g, '_');
    expect(found(`(${urlSafe})`)).toEqual([['pii.email', urlSafe]]);
    // Text with nothing in it, binary, long words and hex ids stay.
    expect(found(b64('the quick brown fox jumps over the lazy dog'))).toEqual([]);
    expect(
      found(Buffer.from(Array.from({ length: 48 }, (_v, i) => (i * 37) % 256)).toString('base64')),
    ).toEqual([]);
    expect(
      found('internationalization getElementsByTagName 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b'),
    ).toEqual([]);
    // Runs longer than 4096 characters are not decoded (bounded work).
    const long = b64(`${'a'.repeat(3100)} password=hunter2!`);
    expect(long.length).toBeGreaterThan(4096);
    expect(found(long)).toEqual([]);
    // A base64 JWT keeps its own label.
    const jwt = b64(
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    );
    expect(found(jwt)).toEqual([['secret.jwt_base64', jwt]]);
  });

  it("does not report cloud vendors' documentation keys", () => {
    expect(found('aws_access_key: AKIAIOSFODNN7EXAMPLE')).toEqual([]);
    expect(found('key AKIAI44QH8DHBEXAMPLE')).toEqual([]);
    expect(found('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toEqual([]);
    expect(found('key AKIALALEMEL33243OLIA')).toEqual([['secret.aws_access_key', 'AKIALALEMEL33243OLIA']]);
  });

  it('finds secrets in setter and lookup calls and in URL credentials, under the generic label', () => {
    const v = 'x7Kp2QmZ9vLw4RtY';
    for (const text of [
      `setPassword("${v}")`,
      `user.setApiKey('${v}');`,
      `os.getenv("API_KEY", "${v}")`,
      `System.setProperty("db.password", "${v}");`,
      `postgres://admin:${v}@db.internal:5432/app`,
      `redis://:${v}@localhost:6379`,
      `apikey "${v}";`,
      `private_key'${v}';`,
    ]) {
      const result = policy.evaluate(text, { target: 'input' });
      expect([text, result.findings.map((f) => f.category)]).toEqual([text, ['secret.generic_assignment']]);
      expect(result.text).toBe(text.replace(v, '[REDACTED:SECRET]'));
    }
    // Names, references, placeholders and non-secret keys stay; a URL without a password is an address.
    expect(found('setPassword("DB_PASSWORD")')).toEqual([]);
    expect(found('os.getenv("API_KEY", "${API_KEY}")')).toEqual([]);
    expect(found('config.get("token_url", "https://auth.example.com/x7Kp2")')).toEqual([]);
    expect(found('setTimeout("x7Kp2QmZ9vLw4RtY")')).toEqual([]);
    expect(found('postgres://admin:${DB_PASSWORD}@db:5432')).toEqual([]);
    expect(found('mail jane.doe@example.com')).toEqual([['pii.email', 'jane.doe@example.com']]);
  });

  it('sees through each evasion of the issue list (regression)', () => {
    const card = (text: string) => found(text).filter(([c]) => c === 'pii.card').length;
    const ssn = (text: string) => found(text).filter(([c]) => c === 'pii.ssn').length;
    const tag = (s: string) => [...s].map((ch) => String.fromCodePoint(0xe0000 + ch.charCodeAt(0))).join('');
    expect(card(`card 4111${tag('x')} 1111 1111 1111`)).toBe(1); // Unicode Tag characters
    expect(found(`key sk-proj-abc123${tag('hi')}DEF456ghi789JKL012mno`)).toEqual([
      ['secret.openai_key', `sk-proj-abc123${tag('hi')}DEF456ghi789JKL012mno`],
    ]);
    expect(card('card 4\u28001\u280011 1111 1111 1111')).toBe(1); // Braille blank between characters
    for (const filler of ['\u3164', '\u115f', '\u1160', '\uffa0']) {
      expect(card(`card 41${filler}11 1111 1111 1111`)).toBe(1); // Hangul fillers
    }
    expect(card('card ٤١١١ ١١١١ ١١١١ ١١١١')).toBe(1); // Arabic-Indic digits
    expect(card('card ۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱')).toBe(1); // Extended Arabic-Indic
    expect(card('card ४१११ ११११ ११११ ११११')).toBe(1); // Devanagari
    expect(ssn('ssn ১২৩-৪৫-৬৭৮৯')).toBe(1); // Bengali
    expect(card('card ４１１１ １１１１ １１１１ １１１１')).toBe(1); // full-width
    expect(card('card 4111.1111.1111.1111')).toBe(1); // '.' separators
    expect(card('card 4111/1111/1111/1111')).toBe(1); // '/' separators
    expect(ssn('ssn 123.45.6789')).toBe(1);
    expect(ssn('ssn 123/45/6789')).toBe(1);
  });

  it('keeps the specific label when the generic assignment value runs on', () => {
    const text = '{"api_key": "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8,other"}';
    expect(found(text)).toEqual([['secret.github_token', 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8']]);
  });

  it('sees through tag characters, Braille blanks and non-ASCII digits, redacting the original span', () => {
    const tag = String.fromCodePoint(0xe0041);
    const text = `card 4111 1\u2800111 11${tag}11 ١١١١ ok`;
    const result = policy.evaluate(text, { target: 'input' });
    expect(result.findings.map((f) => f.category)).toEqual(['pii.card']);
    expect(result.text).toBe('card [REDACTED:CARD] ok');
  });

  it('decodes base64 JWTs and finds Slack webhooks and Bedrock keys', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const b64 = Buffer.from(jwt).toString('base64');
    expect(found(`token ${b64}`)).toEqual([['secret.jwt_base64', b64]]);
    expect(found(`ZXlK${'A'.repeat(80)}`)).toEqual([]);
    const hook = 'https://hooks.slack.com/services/T02ABCD1234/B03EFGH5678/abcdEFGHijklMNOPqrstUVWX';
    expect(found(`url=${hook}`)).toEqual([['secret.slack_webhook_url', hook]]);
    expect(found('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX')).toEqual(
      [],
    );
  });

  it('tells the unspecified IPv6 address from scope operators', () => {
    expect(found('listen on ::')).toEqual([['pii.ip', '::']]);
    expect(found('f :: Int -> Int')).toEqual([]);
    expect(found('std::string and DB ::= x')).toEqual([]);
  });

  it('ignores references, placeholders and secret names in assignments', () => {
    for (const text of [
      'password: ${DB_PASSWORD}',
      'secret_name: DB_PASSWORD',
      'api_key = "your_api_key_here"',
      'token: this.config.token',
      'key = AKIAXXXXXXXXXXXXXXXX',
      'glpat-xxxxxxxxxxxxxxxxxxxx',
    ]) {
      expect(found(text)).toEqual([]);
    }
    expect(found('<password>Xk9#mP2$vL</password>')).toEqual([['secret.generic_assignment', 'Xk9#mP2$vL']]);
  });
});
