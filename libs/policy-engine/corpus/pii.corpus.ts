import {
  type CorpusCase,
  DIGITS,
  evasion,
  negative,
  pick,
  positive,
  prng,
  randomChars,
} from './corpus.types';

const rnd = prng(20260101);

function luhnComplete(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return partial + String((10 - (sum % 10)) % 10);
}

const BRANDS: readonly [string, number][] = [
  ['4', 16],
  ['4', 13],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['2720', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['65', 16],
  ['644', 16],
  ['3528', 16],
  ['3589', 16],
  ['36', 14],
  ['300', 14],
  ['38', 16],
  ['4', 19],
];

export function makeCard(prefix: string, length: number): string {
  return luhnComplete(prefix + randomChars(rnd, DIGITS, length - prefix.length - 1));
}

function formatCard(digits: string, style: number): string {
  if (style === 0) return digits;
  const sep = style === 1 ? ' ' : '-';
  if (digits.length === 15) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  return digits.match(/.{1,4}/g)?.join(sep) ?? digits;
}

const CARD_CONTEXT = [
  (c: string) => `My card number is ${c}.`,
  (c: string) => `Card: ${c} exp 12/27 cvv 123`,
  (c: string) => `please charge ${c} for the order`,
  (c: string) => `${c}`,
  (c: string) => `billing info -> ${c}, thanks!`,
];

/** What some hard negatives legitimately are. */
const LEGIT: Readonly<Record<string, string[]>> = {
  'Call 555-123-4567 tomorrow': ['pii.phone'],
  'phone +1 415 555 2671 ext 12': ['pii.phone'],
  'ssh root@10.0.0.1': ['pii.ip'],
  'SSN 123-45-6789 is fake': ['pii.ssn'],
  'IP 192.168.1.10': ['pii.ip'],
  'product 4111-1111-1111-1111': ['pii.card'],
  'phone 555-123-4567': ['pii.phone'],
};

function cards(): CorpusCase[] {
  const out: CorpusCase[] = [];
  BRANDS.forEach(([prefix, length], i) => {
    for (let k = 0; k < 3; k++) {
      out.push(
        positive('pii.card', pick(rnd, CARD_CONTEXT)(formatCard(makeCard(prefix, length), (i + k) % 3))),
      );
    }
  });
  out.push(
    evasion(
      'pii.card',
      `card ${formatCard(makeCard('4', 16), 1).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))}`,
    ),
  );
  out.push(evasion('pii.card', `card ${makeCard('51', 16).split('').join('\u200b')}`));
  out.push(evasion('pii.card', `card ${formatCard(makeCard('37', 15), 1).replace(/ /g, '\u00a0')}`));
  out.push(evasion('pii.card', `c:${formatCard(makeCard('6011', 16), 2).replace(/-/g, '\u2013')}`));
  const bad = (d: string) => d.slice(0, -1) + String((Number(d[d.length - 1]) + 1) % 10);
  for (let k = 0; k < 12; k++)
    out.push(
      negative('pii.card', `order ${formatCard(bad(makeCard(pick(rnd, BRANDS)[0], 16)), k % 3)} shipped`),
    );
  const negatives = [
    'Order #1234567890123 was shipped on 2024-05-01.',
    'Timestamp 1699999999999 ms since epoch',
    'ISBN 978-3-16-148410-0 is on the shelf',
    'UUID 123e4567-e89b-12d3-a456-426614174000',
    'Tracking number 1Z999AA10123456784',
    'Call 555-123-4567 tomorrow',
    'The invoice total is 1,234,567.89 USD',
    'Version 10.0.19045.3693 of Windows',
    'Account 0000 0000 0000 0000 is a placeholder',
    'Serial 1234 5678 9012 3456 7890 1234',
    'phone +1 415 555 2671 ext 12',
    'lottery numbers 12 23 34 45 56 67',
    'coordinates 40.7128, -74.0060',
    'product id 8901234567890',
    'matrix 1111 2222 3333 4444 5555',
    'bank routing 021000021 account 123456789012',
    'Pi is 3.14159265358979323846',
    'IMEI 490154203237518 device',
  ];
  for (const t of negatives) out.push(negative('pii.card', t, ...(LEGIT[t] ?? [])));
  return out;
}

// --- IBAN ---
const IBAN_COUNTRIES: readonly [string, number][] = [
  ['DE', 22],
  ['GB', 22],
  ['FR', 27],
  ['ES', 24],
  ['IT', 27],
  ['NL', 18],
  ['BE', 16],
  ['CH', 21],
  ['AT', 20],
  ['PL', 28],
  ['SE', 24],
  ['NO', 15],
  ['IE', 22],
  ['PT', 25],
  ['DK', 18],
];

function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

export function makeIban(country: string, length: number): string {
  const bban =
    country === 'GB' || country === 'NL' || country === 'IE'
      ? randomChars(rnd, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + randomChars(rnd, DIGITS, length - 8)
      : randomChars(rnd, DIGITS, length - 4);
  const check = 98 - mod97(bban + country + '00');
  return country + String(check).padStart(2, '0') + bban;
}

const spaced = (s: string) => s.match(/.{1,4}/g)?.join(' ') ?? s;

function ibans(): CorpusCase[] {
  const out: CorpusCase[] = [];
  IBAN_COUNTRIES.forEach(([cc, len], i) => {
    for (let k = 0; k < 3; k++) {
      const iban = makeIban(cc, len);
      const shown = (i + k) % 2 === 0 ? iban : spaced(iban);
      out.push(
        positive(
          'pii.iban',
          pick(rnd, [`IBAN: ${shown}`, `Please wire to ${shown}.`, `account ${shown} (EUR)`, shown]),
        ),
      );
    }
  });
  out.push(positive('pii.iban', 'Example: DE89 3704 0044 0532 0130 00'));
  out.push(positive('pii.iban', 'GB82WEST12345698765432 is the account'));
  out.push(
    evasion(
      'pii.iban',
      `IBAN ${makeIban('DE', 22).replace(/[A-Z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}`,
    ),
  );
  out.push(evasion('pii.iban', `IBAN ${makeIban('FR', 27).split('').join('\u200c')}`));
  const negs = [
    'SWIFT code DEUTDEFF500',
    'Part number GB1234-XY',
    'DE89 3704 0044 0532 0130 01',
    'GB82WEST12345698765433',
    'DE12345678',
    'The model XK20 ships in May',
    'Flight BA2490 to Rome',
    'postcode SW1A 1AA and EC1A 1BB',
    'VAT number DE123456789',
    'ISO country DE and 22 other codes',
    'license plate AB12 CDE',
    'NL12 is not a full IBAN',
    'order ID FR7612345 pending',
    'ticket ES91-2100-0418',
    'CH93 0076 2011 6238 5295 8',
    'See RFC 7231 section 4.3',
    'grid reference TQ 30 80',
  ];
  for (const t of negs) out.push(negative('pii.iban', t));
  for (let k = 0; k < 8; k++) {
    const [cc, len] = pick(rnd, IBAN_COUNTRIES);
    const iban = makeIban(cc, len);
    const broken =
      iban.slice(0, 2) + String((Number(iban.slice(2, 4)) + 1) % 100).padStart(2, '0') + iban.slice(4);
    out.push(negative('pii.iban', `IBAN ${broken}`));
  }
  return out;
}

// --- email ---
const LOCALS = [
  'john.doe',
  'a',
  'jane_smith99',
  'first.last+tag',
  'x-y',
  'support',
  'o.brien',
  'user%team',
  'ADMIN',
  'test.user.42',
];
const DOMAINS = [
  'example.com',
  'mail.example.co.uk',
  'corp.io',
  'sub.domain.org',
  'uni.edu',
  'company-name.de',
  'x.ai',
  'startup.dev',
];

function emails(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (let k = 0; k < 36; k++) {
    const e = `${pick(rnd, LOCALS)}@${pick(rnd, DOMAINS)}`;
    out.push(
      positive(
        'pii.email',
        pick(rnd, [
          `Contact ${e} for details.`,
          `email: ${e}`,
          `<${e}>`,
          `(${e})`,
          `${e}`,
          `Send it to ${e}, thanks`,
        ]),
      ),
    );
  }
  out.push(evasion('pii.email', 'write to ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ'));
  out.push(evasion('pii.email', 'write to jо\u0068n@exаmple.com')); // Cyrillic о, а
  out.push(evasion('pii.email', 'write to jo\u200bhn@exam\u200dple.com'));
  out.push(evasion('pii.email', 'mail: JOHN.DOE@EXAMPLE.COM'));
  out.push(evasion('pii.email', 'mail: john\u00ADdoe@example.com'));
  const negs = [
    'Follow @openai on X',
    'npm install @nestjs/core',
    '@Component({ selector: "app" })',
    'user@localhost is a local account',
    'the price is 5@10 units',
    'email me at john at example dot com',
    'git clone git@github',
    'decorators like @Injectable() are common',
    'ssh root@10.0.0.1',
    'foo@bar',
    'a @ b . com',
    'Meet @ 5pm at the cafe',
    'css selector a[href^="mailto:"]',
    'version 1.2.3@beta',
    'scope @types/node',
    'handle: @jane_doe',
    'x@y',
    '@@ -1,4 +1,5 @@',
  ];
  for (const t of negs) out.push(negative('pii.email', t, ...(LEGIT[t] ?? [])));
  return out;
}

function phones(): CorpusCase[] {
  const positives = [
    'Call me at (555) 123-4567.',
    'Phone: 555-123-4567',
    'office 415.555.2671',
    'mobile +1 415 555 2671',
    '+44 20 7946 0958',
    '+14155552671',
    '+49 30 901820',
    'Tel. +33 1 42 68 53 00',
    'ring 1-800-555-0199',
    'UK mobile 07700 900123',
    'London 020 7946 0958',
    'Sydney +61 2 9374 4000',
    '+81 3-1234-5678',
    'call 212 555 0123 now',
    'fax (212) 555-0199',
    '+91 98765 43210',
    '+1 (555) 123-4567',
    'cell: 617-555-0142.',
    '+34 912 345 678',
    'Hotline +49 (0)30 1234567',
    'support line 0800 123 4567',
    'text 646.555.0123 for updates',
    '+353 1 234 5678',
    'Tokyo office +81 3 1234 5678',
    'Paris 01 42 68 53 00 and more',
    '+27 21 123 4567',
    'reach me on (646) 555-0188',
    'USA: 1 (800) 555-0111',
    '+55 11 91234-5678',
    'NY 718-555-0100',
  ];
  const negatives = [
    'Meeting on 2024-05-01 at 10:30',
    'ISBN 978-3-16-148410-0',
    'SSN 123-45-6789 is fake',
    'version 1.2.3.4',
    'order 1234567890',
    'ratio 3-2-1',
    'from 1990-2020 the rate rose',
    'room 555',
    'IP 192.168.1.10',
    'pi 3.141592653',
    'score 12-10 in overtime',
    'product 4111-1111-1111-1111',
    'dimensions 120 x 80 x 45 cm',
    'date 12/31/2024',
    'zip 94105-1234',
    'about 555 123 units',
    'year 2023 revenue 4567',
  ];
  return [
    ...positives.map((t) => positive('pii.phone', t)),
    evasion('pii.phone', 'call （555） 123－4567'),
    evasion('pii.phone', 'call +44\u00a020\u00a07946\u00a00958'),
    ...negatives.map((t) => negative('pii.phone', t, ...(LEGIT[t] ?? []))),
  ];
}

function ssns(): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (let k = 0; k < 30; k++) {
    const area = String(1 + Math.floor(rnd() * 665)).padStart(3, '0');
    const group = String(1 + Math.floor(rnd() * 98)).padStart(2, '0');
    const serial = String(1 + Math.floor(rnd() * 9998)).padStart(4, '0');
    const sep = k % 3 === 0 ? ' ' : '-';
    out.push(
      positive(
        'pii.ssn',
        pick(rnd, [
          `SSN: ${area}${sep}${group}${sep}${serial}`,
          `my social is ${area}${sep}${group}${sep}${serial}.`,
        ]),
      ),
    );
  }
  out.push(evasion('pii.ssn', 'SSN １２３-４５-６７８９'));
  const negatives = [
    'SSN 000-12-3456',
    'SSN 666-12-3456',
    'SSN 912-34-5678',
    'SSN 123-00-4567',
    'SSN 123-45-0000',
    'date 2024-05-01',
    'phone 555-123-4567',
    'ISBN 0-306-40615-2',
    'code 123-45-67890',
    'part 12-345-6789',
    'id 123-45-678',
    'build 1234-56-7890',
  ];
  for (const t of negatives) out.push(negative('pii.ssn', t, ...(LEGIT[t] ?? [])));
  return out;
}

function ips(): CorpusCase[] {
  const positives = [
    'server at 192.168.1.10',
    'ping 8.8.8.8',
    'host 10.0.0.1:8080',
    'from 172.16.254.1.',
    'IP=203.0.113.42',
    'route 255.255.255.0',
    'client 127.0.0.1',
    'peer 100.64.0.1',
    '2001:db8::8a2e:370:7334',
    'fe80::1%eth0',
    'IPv6 ::1 loopback',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
    'addr [2001:db8::1]:443',
    'v6 2606:4700:4700::1111',
    '::ffff:192.0.2.128',
    'gateway 192.0.2.1, dns 198.51.100.53',
    'nat 100.100.100.100',
    'ip 1.2.3.4',
    'ff02::1 multicast',
    'source 2001:db8:0:0:1:0:0:1',
    'x 203.0.113.7.',
    'ip: 52.94.236.248',
    'dns 2001:4860:4860::8888',
    '10.10.10.10 is internal',
    '(192.168.0.254)',
    'lb at 34.120.1.9',
    '2a00:1450:4001:82b::200e',
    'proxy 45.33.32.156',
    'host: 169.254.169.254',
    'mask 0.0.0.0',
  ];
  const negatives = [
    'version 1.2.3',
    'time 12:30:45',
    'MAC 00:1A:2B:3C:4D:5E',
    '256.1.1.1 is invalid',
    'ratio 1.5.2',
    'C++ std::vector',
    'date 2024.05.01',
    'release 10.0.19045',
    'price 3.99',
    'std::string',
    'hash dead:beef',
    'IP 192.168.1',
    'score 12:10',
  ];
  return [
    ...positives.map((t) => positive('pii.ip', t)),
    // An extra octet glued on does not hide the address (issue 18; Presidio finds 192.168.1.1 in "192.168.1.1.1").
    evasion('pii.ip', 'host 1.2.3.4.5'),
    evasion('pii.ip', 'host １９２.１６８.１.１０'),
    ...negatives.map((t) => negative('pii.ip', t)),
  ];
}

export const PII_CORPUS: readonly CorpusCase[] = [
  ...cards(),
  ...ibans(),
  ...emails(),
  ...phones(),
  ...ssns(),
  ...ips(),
];
