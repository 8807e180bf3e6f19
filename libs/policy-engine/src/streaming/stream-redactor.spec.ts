import fc from 'fast-check';
import { compilePolicy } from '../compile/compile-policy';
import type { PolicyConfigInput } from '../schema/policy-config.types';

const PLANTED = [
  'john.doe@example.com',
  'a.b-c+tag@mail.example.co.uk',
  '4111 1111 1111 1111',
  '4111-1111-1111-1111',
  '378282246310005',
  '5555555555554444',
  'sk-proj-abc123DEF456ghi789JKL012mno',
  'AKIALALEMEL33243OLIA',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'xoxb-123456789012-abcdefABCDEF',
  'password=hunter2!',
  'aws_secret_access_key = Xz4pQ9vL2mN8bR7tK1wY6sD3fG0hJ5cV8aE2uI9o',
  'OPENAI_API_KEY=sk-proj-abc123DEF456ghi789JKL012mno',
  'db.password: "S3cr3t!x"',
  'api_key: "Zx9!kLm2Qp"',
  'DE89 3704 0044 0532 0130 00',
  'GB82WEST12345698765432',
  '123-45-6789',
  '(555) 123-4567',
  '+44 20 7946 0958',
  '192.168.1.10',
  '2001:db8::8a2e:370:7334',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'forbidden',
  'top secret plan',
  'Acme',
  'TICKET-123456',
  'support@example.com',
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
  // base64 of "password=hunter2!" and of "card 4111 1111 1111 1111" (decoded and rescanned)
  'cGFzc3dvcmQ9aHVudGVyMiE=',
  'Y2FyZCA0MTExIDExMTEgMTExMSAxMTEx',
  // generic shapes: setter call, lookup call, URL credentials, keyword then quoted value and ';'
  'setPassword("x7Kp2QmZ9vLw4RtY")',
  "os.getenv('API_KEY', 'x7Kp2QmZ9vLw4RtY')",
  'postgres://admin:x7Kp2QmZ9vLw4RtY@db.internal/app',
  'apikey "x7Kp2QmZ9vLw4RtY";',
];
const FILLER = [
  'the',
  'a',
  'key',
  'is',
  ' ',
  '  ',
  '\n',
  ',',
  '.',
  ':',
  '=',
  '@',
  '-',
  '4',
  '12',
  'sk',
  'AK',
  'ghp_',
  'top',
  'secret',
  'pass',
  'word',
  'DE',
  '(',
  ')',
  '+',
  'é',
  '\u200b',
  'aws',
  '_secret',
  'key=',
  '"',
  'QUJD',
  '=',
  ';',
  '("',
  "'",
  '://',
];

const policy: PolicyConfigInput = {
  version: 1,
  rules: [
    ...[
      'pii.email',
      'pii.phone',
      'pii.card',
      'pii.ssn',
      'pii.iban',
      'pii.ip',
      'secret.openai_key',
      'secret.anthropic_key',
      'secret.aws_access_key',
      'secret.aws_secret_key',
      'secret.github_token',
      'secret.slack_token',
      'secret.google_api_key',
      'secret.stripe_key',
      'secret.jwt',
      'secret.private_key',
      'secret.generic_assignment',
    ].map((category) => ({ id: category, category, target: 'both' as const, action: 'redact' as const })),
    {
      id: 'deny',
      category: 'denylist.words',
      target: 'output',
      action: 'redact',
      terms: ['forbidden', 'top secret plan', 'secret'],
    },
    {
      id: 'acme',
      category: 'denylist.brands',
      target: 'output',
      action: 'redact',
      terms: ['Acme'],
      wholeWord: true,
      caseSensitive: true,
    },
    {
      id: 'ticket',
      category: 'regex.ticket',
      target: 'output',
      action: 'redact',
      pattern: 'TICKET-\\d{4,8}',
    },
    { id: 'flagged', category: 'denylist.flagged', target: 'output', action: 'flag', terms: ['key', 'plan'] },
    { id: 'inj', category: 'injection.override', target: 'output', action: 'flag' },
  ],
  allowlist: [{ id: 'ok', terms: ['support@example.com'] }],
};

const compiled = compilePolicy(policy);

function streamed(text: string, cuts: number[]): { out: string; maxHeld: number } {
  const redactor = compiled.createStreamRedactor({ target: 'output' });
  let out = '';
  let maxHeld = 0;
  let prev = 0;
  for (const cut of [...cuts, text.length]) {
    out += redactor.push(text.slice(prev, cut));
    maxHeld = Math.max(maxHeld, redactor.heldBack);
    prev = cut;
  }
  out += redactor.end();
  return { out, maxHeld };
}

const textArb = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...FILLER) },
      { weight: 1, arbitrary: fc.constantFrom(...PLANTED) },
    ),
    {
      maxLength: 40,
    },
  )
  .map((parts) => parts.join(''));

const cutsArb = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: Math.max(0, length) }), { maxLength: 30 })
    .map((c) => c.sort((a, b) => a - b));

describe('stream redactor', () => {
  it('streams exactly the whole-text redaction, whatever the chunking', () => {
    fc.assert(
      fc.property(
        textArb.chain((text) => fc.tuple(fc.constant(text), cutsArb(text.length))),
        ([text, cuts]) => {
          const whole = compiled.evaluate(text, { target: 'output' });
          const { out } = streamed(text, cuts);
          expect(out).toBe(whole.text);
          const redactor = compiled.createStreamRedactor({ target: 'output' });
          let prev = 0;
          for (const cut of [...cuts, text.length]) {
            redactor.push(text.slice(prev, cut));
            prev = cut;
          }
          redactor.end();
          expect(redactor.metadata()).toEqual(whole.metadata);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('streams long texts exactly when two streams of one policy interleave their pushes', () => {
    // Long enough that the retained text is trimmed many times (state carried across pushes and trims).
    const longText = fc
      .array(
        fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...FILLER) },
          { weight: 1, arbitrary: fc.constantFrom(...PLANTED) },
        ),
        { minLength: 60, maxLength: 250 },
      )
      .map((parts) => parts.join(''));
    const chunked = longText.chain((text) =>
      fc.tuple(fc.constant(text), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 })),
    );
    fc.assert(
      fc.property(chunked, chunked, ([a, sizesA], [b, sizesB]) => {
        const streams = [
          {
            text: a,
            sizes: sizesA,
            pos: 0,
            k: 0,
            out: '',
            redactor: compiled.createStreamRedactor({ target: 'output' }),
          },
          {
            text: b,
            sizes: sizesB,
            pos: 0,
            k: 0,
            out: '',
            redactor: compiled.createStreamRedactor({ target: 'output' }),
          },
        ];
        while (streams.some((s) => s.pos < s.text.length)) {
          for (const s of streams) {
            if (s.pos >= s.text.length) continue;
            const size = s.sizes[s.k++ % s.sizes.length];
            s.out += s.redactor.push(s.text.slice(s.pos, s.pos + size));
            s.pos += size;
          }
        }
        for (const s of streams) {
          s.out += s.redactor.end();
          const whole = compiled.evaluate(s.text, { target: 'output' });
          expect(s.out).toBe(whole.text);
          expect(s.redactor.metadata()).toEqual(whole.metadata);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never holds back more than maxMatchLength - 1 characters (ASCII texts)', () => {
    const asciiText = textArb.map((t) => t.replace(/[^\x20-\x7e\n]/g, ' '));
    fc.assert(
      fc.property(
        asciiText.chain((text) => fc.tuple(fc.constant(text), cutsArb(text.length))),
        ([text, cuts]) => {
          const { maxHeld } = streamed(text, cuts);
          expect(maxHeld).toBeLessThanOrEqual(compiled.maxMatchLength - 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('masks an entity split across any chunk boundary', () => {
    const text = 'my key is sk-proj-abc123DEF456ghi789JKL012mno, mail john.doe@example.com thanks';
    for (let cut = 0; cut <= text.length; cut++) {
      const { out } = streamed(text, [cut]);
      expect(out).toBe('my key is [REDACTED:OPENAI_KEY], mail [REDACTED:EMAIL] thanks');
    }
  });

  it('masks a base64-encoded secret split across any chunk boundary', () => {
    const text = 'cfg cGFzc3dvcmQ9aHVudGVyMiE= and Y2FyZCA0MTExIDExMTEgMTExMSAxMTEx end';
    for (let cut = 0; cut <= text.length; cut++) {
      const { out } = streamed(text, [cut]);
      expect(out).toBe('cfg [REDACTED:SECRET] and [REDACTED:CARD] end');
    }
  });

  it('releases text that cannot be part of a match at once', () => {
    const redactor = compiled.createStreamRedactor({ target: 'output' });
    expect(redactor.push('Hello there! ')).toBe('Hello there! ');
    expect(redactor.push('Mail john.')).toBe('Mail ');
    // "example.com." could still become "example.com.au": held until a character rules that out.
    expect(redactor.push('doe@example.com.')).toBe('');
    expect(redactor.push(' Bye')).toBe('[REDACTED:EMAIL]. ');
    expect(redactor.end()).toBe('Bye');
  });

  it('signals a block mid-stream and stops emitting', () => {
    const blocking = compilePolicy({
      version: 1,
      rules: [{ id: 'aws', category: 'secret.aws_access_key', target: 'output', action: 'block' }],
    });
    const onBlock = jest.fn();
    const redactor = blocking.createStreamRedactor({ target: 'output' }, { onBlock });
    expect(redactor.push('the key: AKIALALE')).toBe('the key: ');
    expect(redactor.push('MEL33243OLIA and more')).toBe('');
    expect(redactor.blocked).toBe(true);
    expect(onBlock).toHaveBeenCalledTimes(1);
    expect(onBlock.mock.calls[0][0]).toMatchObject({
      decision: 'block',
      reason_code: 'secret_detected',
      enforced: true,
    });
    expect(redactor.push('more text')).toBe('');
    expect(redactor.end()).toBe('');
  });

  it('passes chunks through unchanged in shadow mode but still decides', () => {
    const shadow = compilePolicy({ ...policy, rollout: { mode: 'shadow' } });
    const redactor = shadow.createStreamRedactor({ target: 'output' });
    expect(redactor.push('mail john.doe@exa')).toBe('mail john.doe@exa');
    expect(redactor.push('mple.com')).toBe('mple.com');
    expect(redactor.end()).toBe('');
    expect(redactor.metadata()).toMatchObject({
      decision: 'redact',
      enforced: false,
      rollout_mode: 'shadow',
    });
  });

  it('buffers everything in buffer mode', () => {
    const buffered = compilePolicy({
      version: 1,
      streaming: { mode: 'buffer' },
      rules: [
        { id: 'r', category: 'regex.anything', target: 'output', action: 'redact', pattern: 'secret:.*' },
      ],
    });
    const redactor = buffered.createStreamRedactor({ target: 'output' });
    expect(redactor.push('a secret: xyz')).toBe('');
    expect(redactor.push(' and more')).toBe('');
    expect(redactor.end()).toBe('a [REDACTED:ANYTHING]');
    expect(buffered.maxMatchLength).toBe(Infinity);
  });
});
