import { parseProjectKey, formatProjectKey } from '@pgw/contracts';
import { newKeyId, newKeySecret, newProjectId } from './ids';

describe('ids', () => {
  it('makes keys that the gateway parses back', () => {
    const keyId = newKeyId();
    const secret = newKeySecret();
    expect(keyId).toMatch(/^[a-z0-9]{16}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(parseProjectKey(formatProjectKey(keyId, secret))).toEqual({ keyId, secret });
  });

  it('makes distinct project ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, newProjectId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^prj_[a-z0-9]{16}$/);
  });
});
