import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Lowercase alphanumeric id of `length` characters (rejection sampling keeps it unbiased). */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && out.length < length) out += ALPHABET[byte % 36];
    }
  }
  return out;
}

export const newProjectId = (): string => `prj_${randomAlnum(16)}`;

/** The public part of a project key (`pgw_<key id>_<secret>`): 16 chars, within parseProjectKey's 8..32. */
export const newKeyId = (): string => randomAlnum(16);

/** 32 random bytes, base64url (43 chars): the part of a key that is shown once and only stored hashed. */
export const newKeySecret = (): string => randomBytes(32).toString('base64url');
