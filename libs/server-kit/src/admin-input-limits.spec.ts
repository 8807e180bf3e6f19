import { findUnsafeInput, isStorableTimestamp, MAX_ADMIN_JSON_DEPTH } from './admin-input-limits';

describe('findUnsafeInput', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
    return value;
  };

  it('accepts ordinary input up to the depth limit', () => {
    expect(findUnsafeInput({ name: 'support-bot', tags: ['a', 'ü', '😀'], n: 1 })).toBeNull();
    expect(findUnsafeInput(nested(MAX_ADMIN_JSON_DEPTH))).toBeNull();
  });

  it('refuses deeper nesting, iteratively (100,000 levels do not overflow the stack)', () => {
    expect(findUnsafeInput(nested(MAX_ADMIN_JSON_DEPTH + 1))?.reason).toBe('too_deep');
    expect(findUnsafeInput(nested(100_000))?.reason).toBe('too_deep');
  });

  it('finds NUL and lone surrogates in values and keys, with their path', () => {
    expect(findUnsafeInput({ a: { b: ['ok', 'x\u0000'] } })).toEqual({ path: 'a.b[1]', reason: 'nul' });
    expect(findUnsafeInput({ name: 'a\ud800' })).toEqual({ path: 'name', reason: 'lone_surrogate' });
    expect(findUnsafeInput({ name: '\udc00b' })).toEqual({ path: 'name', reason: 'lone_surrogate' });
    expect(findUnsafeInput({ ['k\u0000']: 1 })).toEqual({ path: 'k\u0000', reason: 'nul' });
    expect(findUnsafeInput('\ud83d\ude00')).toBeNull(); // a pair is fine
  });
});

describe('isStorableTimestamp', () => {
  it('accepts years 0001-9999 and refuses what Postgres cannot store', () => {
    expect(isStorableTimestamp('2026-01-01T00:00:00Z')).toBe(true);
    expect(isStorableTimestamp('0001-01-01T00:00:00Z')).toBe(true);
    expect(isStorableTimestamp('9999-12-31T23:59:59.999Z')).toBe(true);
    expect(isStorableTimestamp('0000-01-01T00:00:00Z')).toBe(false);
    expect(isStorableTimestamp('0001-01-01T00:00:00+14:00')).toBe(false); // year 0 in UTC
    expect(isStorableTimestamp('+275760-09-13T00:00:00.000Z')).toBe(false);
    expect(isStorableTimestamp('not a date')).toBe(false);
    expect(isStorableTimestamp(42)).toBe(false);
  });
});
