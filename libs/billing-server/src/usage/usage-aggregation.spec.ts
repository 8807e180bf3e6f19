import type { UsageEvent } from '@pgw/contracts';
import { usageEvent } from '@pgw/testing';
import { aggregateUsage, toUsageRows, withCurrentPeriods } from './usage-aggregation';

let seq = 0;
function event(projectId: string, model: string, startedAt: string, total: number, id?: string): UsageEvent {
  const eventId = id ?? `0190f5a4-0000-7000-8000-${String(++seq).padStart(12, '0')}`;
  return usageEvent(
    projectId,
    {
      request_id: `r${seq}`,
      key_id: 'k1',
      model,
      input_tokens: total - 1,
      output_tokens: 1,
      started_at: startedAt,
      finished_at: startedAt,
    },
    eventId,
  );
}

describe('usage aggregation', () => {
  const rules = [
    { model: 'm1', priceMicrosPerMillion: 1_500_000, effectiveFrom: new Date('2026-01-01T12:00:00Z') },
  ];

  it('prices each event at its start and keeps the first occurrence of an id', () => {
    const a = event('p1', 'm1', '2026-01-01T11:59:59.999Z', 3);
    const b = event('p1', 'm1', '2026-01-01T12:00:00.000Z', 3);
    const rows = toUsageRows([a, b, a], rules);
    expect(rows.map((r) => [r.priceMicrosPerMillion, r.costMicros])).toEqual([
      [5_000_000, 15],
      [1_500_000, 5], // 4.5 rounds half up
    ]);
  });

  it('sums rows into hourly and monthly buckets', () => {
    const rows = toUsageRows(
      [
        event('p2', 'm2', '2026-01-31T23:10:00Z', 100),
        event('p2', 'm2', '2026-01-31T23:50:00Z', 200),
        event('p2', 'm2', '2026-02-01T00:00:00Z', 1_000),
        event('p1', 'm2', '2026-02-01T00:30:00Z', 1),
      ],
      [],
    );
    const { hourly, spend } = aggregateUsage(rows);
    expect(hourly).toEqual([
      {
        projectId: 'p1',
        model: 'm2',
        hour: '2026-02-01T00:00:00.000Z',
        requests: 1,
        inputTokens: 0,
        outputTokens: 1,
        totalTokens: 1,
        costMicros: 5,
      },
      {
        projectId: 'p2',
        model: 'm2',
        hour: '2026-01-31T23:00:00.000Z',
        requests: 2,
        inputTokens: 298,
        outputTokens: 2,
        totalTokens: 300,
        costMicros: 1_500,
      },
      {
        projectId: 'p2',
        model: 'm2',
        hour: '2026-02-01T00:00:00.000Z',
        requests: 1,
        inputTokens: 999,
        outputTokens: 1,
        totalTokens: 1_000,
        costMicros: 5_000,
      },
    ]);
    expect(spend).toEqual([
      { projectId: 'p1', period: '2026-02', costMicros: 5 },
      { projectId: 'p2', period: '2026-01', costMicros: 1_500 },
      { projectId: 'p2', period: '2026-02', costMicros: 5_000 },
    ]);
    expect(withCurrentPeriods(spend.slice(1, 2), ['p2', 'p0'], '2026-02')).toEqual([
      { projectId: 'p0', period: '2026-02', costMicros: 0 },
      { projectId: 'p2', period: '2026-01', costMicros: 1_500 },
      { projectId: 'p2', period: '2026-02', costMicros: 0 },
    ]);
  });
});
