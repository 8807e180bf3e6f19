import { dollarsToMicros, usd } from './format';

describe('console money formatting', () => {
  it('shows micro-dollars as dollars with at least cents and no float rounding', () => {
    expect(usd(0)).toBe('$0.00');
    expect(usd(5_000_000)).toBe('$5.00');
    expect(usd(6_170)).toBe('$0.00617');
    expect(usd(123_456_789)).toBe('$123.456789');
    expect(usd(null)).toBe('—');
  });

  it('parses dollar amounts into integer micro-dollars and refuses anything else', () => {
    expect(dollarsToMicros('50')).toBe(50_000_000);
    expect(dollarsToMicros('0.000001')).toBe(1);
    expect(dollarsToMicros('12.5')).toBe(12_500_000);
    expect(dollarsToMicros('-1')).toBeNull();
    expect(dollarsToMicros('1e3')).toBeNull();
    expect(dollarsToMicros('0.0000001')).toBeNull();
  });
});
