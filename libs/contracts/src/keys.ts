import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Project keys look like `pgw_<key id>_<secret>`: the id is public (shown in listings), the secret is
 * shown once at creation. Secrets are 32 random bytes, so a plain SHA-256 is a sound verifier (no
 * password stretching needed for high-entropy secrets) and keeps the hot path to one hash.
 */
export const KEY_PREFIX = 'pgw_';
const KEY_PATTERN = /^pgw_([a-z0-9]{8,32})_([A-Za-z0-9_-]{20,128})$/;

export interface ParsedKey {
  keyId: string;
  secret: string;
}

export function parseProjectKey(raw: string): ParsedKey | null {
  const match = KEY_PATTERN.exec(raw);
  return match ? { keyId: match[1], secret: match[2] } : null;
}

export function formatProjectKey(keyId: string, secret: string): string {
  return `${KEY_PREFIX}${keyId}_${secret}`;
}

export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatchesHash(secret: string, expectedHashHex: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(expectedHashHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
