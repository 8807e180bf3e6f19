import {
  ALNUM,
  type CorpusCase,
  DIGITS,
  evasion,
  negative,
  pick,
  positive,
  prng,
  randomChars,
} from './corpus.types';

const rnd = prng(424242);
const B64URL = ALNUM + '-_';
const B64 = ALNUM + '+/';

/** A random token that is sure to contain digits and letters (as real keys do). */
function token(alphabet: string, length: number): string {
  for (;;) {
    const t = randomChars(rnd, alphabet, length);
    if (/\d/.test(t) && /[A-Za-z]/.test(t)) return t;
  }
}

const CONTEXT = [
  (k: string) => `Here is my key: ${k}`,
  (k: string) => `export OPENAI_API_KEY=${k}`,
  (k: string) => `"${k}"`,
  (k: string) => `use ${k} in the header`,
  (k: string) => `config = { key: '${k}' }`,
  (k: string) => `${k}`,
];

function keyCases(topic: string, make: () => string, count: number): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (let i = 0; i < count; i++) out.push(positive(topic, pick(rnd, CONTEXT)(make())));
  return out;
}

export function jwt(): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({ sub: randomChars(rnd, DIGITS, 10), name: 'Jane', iat: 1516239022 }),
  ).toString('base64url');
  return `${header}.${payload}.${token(B64URL, 43)}`;
}

function pem(kind: string): string {
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) lines.push(randomChars(rnd, B64, 64));
  return `-----BEGIN ${kind}PRIVATE KEY-----\n${lines.join('\n')}\n-----END ${kind}PRIVATE KEY-----`;
}

function secrets(): CorpusCase[] {
  const out: CorpusCase[] = [
    ...keyCases('secret.openai_key', () => `sk-${token(ALNUM, 48)}`, 15),
    ...keyCases('secret.openai_key', () => `sk-proj-${token(B64URL, 120)}`, 15),
    ...keyCases('secret.anthropic_key', () => `sk-ant-api03-${token(B64URL, 93)}AA`, 30),
    ...keyCases(
      'secret.aws_access_key',
      () => pick(rnd, ['AKIA', 'ASIA']) + randomChars(rnd, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
      30,
    ),
    ...keyCases(
      'secret.github_token',
      () => pick(rnd, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) + token(ALNUM, 36),
      20,
    ),
    ...keyCases('secret.github_token', () => `github_pat_${token(ALNUM, 22)}_${token(ALNUM, 59)}`, 10),
    ...keyCases(
      'secret.slack_token',
      () =>
        `${pick(rnd, ['xoxb', 'xoxp', 'xoxa', 'xoxr', 'xoxs'])}-${randomChars(rnd, DIGITS, 12)}-${randomChars(rnd, DIGITS, 13)}-${token(ALNUM, 24)}`,
      30,
    ),
    ...keyCases('secret.google_api_key', () => `AIza${token(B64URL, 35)}`, 30),
    ...keyCases(
      'secret.stripe_key',
      () =>
        `${pick(rnd, ['sk', 'rk', 'pk'])}_${pick(rnd, ['live', 'test'])}_${token(ALNUM, 24 + Math.floor(rnd() * 75))}`,
      30,
    ),
    ...keyCases('secret.jwt', jwt, 30),
  ];
  for (let i = 0; i < 30; i++) {
    const kind = pick(rnd, ['', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ', 'DSA ']);
    out.push(
      positive(
        'secret.private_key',
        pick(rnd, [`key:\n${pem(kind)}\nthanks`, pem(kind), `cat id_rsa\n${pem(kind)}`]),
      ),
    );
  }
  out.push(
    positive(
      'secret.private_key',
      `truncated:\n-----BEGIN RSA PRIVATE KEY-----\n${randomChars(rnd, B64, 64)}\n${randomChars(rnd, B64, 30)}`,
    ),
  );
  const awsNames = [
    'aws_secret_access_key',
    'AWS_SECRET_ACCESS_KEY',
    'aws_secret_key',
    'AWS_SECRET_KEY',
    'awsSecretAccessKey',
    'AWS secret access key',
    'MY_AWS_SECRET',
  ];
  for (let i = 0; i < 30; i++) {
    const name = pick(rnd, awsNames);
    const value = token(B64, 40);
    out.push(
      positive(
        'secret.aws_secret_key',
        pick(rnd, [`${name} = ${value}`, `${name}=${value}`, `${name}: "${value}"`, `"${name}": "${value}"`]),
      ),
    );
  }
  const assignNames = [
    'password',
    'PASSWORD',
    'db_password',
    'DB_PASS',
    'passwd',
    'pwd',
    'secret',
    'client_secret',
    'api_key',
    'API_KEY',
    'apiKey',
    'access_token',
    'auth_token',
    'SLACK_TOKEN',
    'private_key',
    'passphrase',
  ];
  const values = () =>
    pick(rnd, [
      token(ALNUM, 12),
      `${token(ALNUM, 8)}!${randomChars(rnd, DIGITS, 2)}`,
      'hunter2',
      'S3cr3tP@ss',
      'Tr0ub4dor&3',
      token(B64, 32),
    ]);
  for (let i = 0; i < 40; i++) {
    const name = pick(rnd, assignNames);
    const v = values();
    out.push(
      positive(
        'secret.generic_assignment',
        pick(rnd, [
          `${name}=${v}`,
          `${name}: ${v}`,
          `${name} = "${v}"`,
          `"${name}": "${v}"`,
          `set ${name}='${v}' in .env`,
        ]),
      ),
    );
  }
  // Evasions: zero-width characters, look-alike letters, fullwidth forms inside keys.
  const zw = (s: string) => s.slice(0, 6) + '\u200b' + s.slice(6, 12) + '\u2060' + s.slice(12);
  out.push(evasion('secret.openai_key', `key ${zw(`sk-${token(ALNUM, 48)}`)}`));
  out.push(evasion('secret.openai_key', `key \u0455k-${token(ALNUM, 48)}`)); // Cyrillic ѕ
  out.push(
    evasion(
      'secret.aws_access_key',
      `key ${zw('AKIA' + randomChars(rnd, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16))}`,
    ),
  );
  out.push(
    evasion(
      'secret.aws_access_key',
      `key \u0410KIA${randomChars(rnd, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    ),
  ); // Cyrillic А
  out.push(
    evasion(
      'secret.github_token',
      `token ${'ghp_' + token(ALNUM, 36)}`.replace(/[A-Za-z0-9_]/g, (c) =>
        String.fromCharCode(c.charCodeAt(0) + 0xfee0),
      ),
    ),
  );
  out.push(evasion('secret.google_api_key', `AIza${token(B64URL, 35)}`.replace('I', '\u0406')));
  out.push(evasion('secret.stripe_key', zw(`sk_live_${token(ALNUM, 24)}`)));
  out.push(evasion('secret.generic_assignment', 'раssword=hunter2!'));
  out.push(evasion('secret.jwt', zw(jwt())));
  out.push(
    evasion(
      'secret.slack_token',
      `xoxb-${randomChars(rnd, DIGITS, 12)}-${token(ALNUM, 24)}`.replace('x', '\u0445'),
    ),
  );
  return out;
}

function secretNegatives(): CorpusCase[] {
  const texts = [
    'I use sk-learn for machine learning',
    'the task-force met on Monday',
    'sk-this-is-not-a-real-key-at-all',
    'Set the header to sk-... (your key here)',
    'AKIA is the prefix of AWS access keys',
    'AKIAIOSFODNN7 is too short',
    'ghp_ tokens start with ghp_',
    'sk_live_ keys must never be committed',
    'The string "eyJ" starts every JWT',
    'eyJhbGciOiJIUzI1NiJ9 is only a header',
    'sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'password: ********',
    'password=<your password>',
    'api_key: YOUR_API_KEY',
    'token: ${GITHUB_TOKEN}',
    'password: required',
    'Enter your password: ',
    'secret: process.env.SECRET',
    'Forgot your password? Reset it here.',
    'The token count is 42',
    'api_key=xxxxxxxxxxxx',
    'password = "password"',
    'Use a strong passphrase like four random words',
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----',
    'xoxb- is the bot token prefix',
    'AIza prefixed keys are Google API keys',
    'github_pat_ is the fine-grained prefix',
    'base64: dGhpcyBpcyBqdXN0IHNvbWUgdGV4dCBlbmNvZGVk',
    'aws_region = us-east-1',
    'aws_access_key_id = AKIA...',
    'The secret: keep your keys out of git.',
    'client_secret: see the vault',
    'pk_test is used in tests',
    'rk_live_ prefix means restricted key',
    'risk-assessment-2024-final-version-3',
    'desk-booking-system-v2-prod-release',
    'mask-rcnn-resnet50-fpn-coco-2017-weights',
    'git commit a3f5c9e2b1d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2',
  ];
  return texts.map((t) => negative('secret', t));
}

export const SECRETS_CORPUS: readonly CorpusCase[] = [...secrets(), ...secretNegatives()];
