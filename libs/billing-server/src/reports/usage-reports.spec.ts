import { csvCell, toCsv } from './csv';
import { reportRange } from './usage-reports.service';

describe('usage report helpers', () => {
  const now = new Date('2026-03-15T10:20:00Z');

  it('defaults to this month up to now, in whole hours', () => {
    expect(reportRange({}, now)).toEqual({
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-15T11:00:00Z'),
    });
    expect(reportRange({ from: '2026-03-02T05:59:00Z', to: '2026-03-03T00:00:00Z' }, now)).toEqual({
      from: new Date('2026-03-02T05:00:00Z'),
      to: new Date('2026-03-03T00:00:00Z'),
    });
  });

  it('refuses an empty range', () => {
    expect(() => reportRange({ from: '2026-03-03T00:00:00Z', to: '2026-03-03T00:00:00Z' }, now)).toThrow(
      'from must be before to',
    );
  });

  it('writes RFC 4180 CSV and neutralises formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK(1)')).toBe("'=HYPERLINK(1)");
    expect(csvCell(-5)).toBe('-5');
    expect(toCsv(['model', 'requests'], [['m', 1]])).toBe('model,requests\r\nm,1\r\n');
  });
});
