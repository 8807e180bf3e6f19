import type { DecisionRecord } from '../query/decision-query.repository';
import { csvCell, csvHeader, EXPORT_COLUMNS, formatPage } from './export-format';

const record: DecisionRecord = {
  event_id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  created_at: '2026-03-15T12:00:00.000Z',
  project_id: 'proj_a',
  request_id: 'req,1',
  decision: 'block',
  reason_code: 'secret_detected',
  triggered_categories: ['secrets.aws', 'pii.email'],
  rollout_mode: 'enforce',
  enforced: true,
  policy_id: null,
  policy_user: '=HYPERLINK("x")',
  policy_project_id: 'tag',
  policy_target: 'output',
  allowlist_hits: 0,
  denylist_hits: 1,
  model: 'gpt-4o',
};

describe('export format', () => {
  it('writes JSONL objects with exactly the documented columns, in order', () => {
    const line = formatPage('jsonl', [record]);
    expect(line.endsWith('\n')).toBe(true);
    expect(Object.keys(JSON.parse(line))).toEqual([...EXPORT_COLUMNS]);
  });

  it('writes CSV with a header, RFC 4180 quoting and formula neutralisation', () => {
    expect(csvHeader()).toBe(`${EXPORT_COLUMNS.join(',')}\r\n`);
    const row = formatPage('csv', [record]);
    expect(row).toContain('"req,1"');
    expect(row).toContain('secrets.aws;pii.email');
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
  });
});
