import { microsToUsd, toSafeNumber } from './money';

describe('money', () => {
  it('formats micro-dollars with exactly 6 decimals, without floats', () => {
    expect(microsToUsd(0)).toBe('0.000000');
    expect(microsToUsd(5)).toBe('0.000005');
    expect(microsToUsd(5_000_000)).toBe('5.000000');
    expect(microsToUsd(1_234_567_891)).toBe('1234.567891');
    expect(microsToUsd(9_007_199_254_740_991n)).toBe('9007199254.740991');
  });

  it('refuses values beyond the safe integer range', () => {
    expect(toSafeNumber('42')).toBe(42);
    expect(() => toSafeNumber('9007199254740993')).toThrow();
  });
});
