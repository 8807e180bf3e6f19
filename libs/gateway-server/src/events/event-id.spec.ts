import { isUuid } from '@pgw/contracts';
import { fastUuidv7 } from './event-id';

describe('fastUuidv7', () => {
  it('produces distinct, time-ordered UUIDv7 strings', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => fastUuidv7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(fastUuidv7(0x0123456789ab).startsWith('01234567-89ab-7')).toBe(true);
  });
});
