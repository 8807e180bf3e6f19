import { SegmentedControl, Stack } from '@mantine/core';
import { useMemo, useState } from 'react';
import { getJson } from '../api/client';
import type { AuditStats, Decision } from '../api/types';
import { useApi } from '../api/use-api';
import { BarChart, paletteColor } from '../shared/bar-chart';
import { EmptyState, Loaded } from '../shared/states';

const DECISIONS: Decision[] = ['allow', 'flag', 'redact', 'block'];
const DECISION_COLORS: Record<Decision, string> = {
  allow: '#40c057',
  flag: '#fab005',
  redact: '#fd7e14',
  block: '#fa5252',
};

function bucketLabel(start: string, bucket: 'hour' | 'day'): string {
  return bucket === 'hour' ? `${start.slice(5, 10)} ${start.slice(11, 13)}h` : start.slice(0, 10);
}

/** Decisions over time, stacked by decision and by triggered category (the same filters as the log). */
export function AuditCharts({ query }: { query: Record<string, string | undefined> }) {
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour');
  const stats = useApi(
    () => getJson<AuditStats>('/audit/decisions/stats', { ...query, bucket }),
    JSON.stringify({ query, bucket }),
  );
  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Chart bucket"
        value={bucket}
        onChange={(value) => setBucket(value as 'hour' | 'day')}
        data={[
          { value: 'hour', label: 'By hour' },
          { value: 'day', label: 'By day' },
        ]}
        w={220}
      />
      <Loaded value={stats} label="decision statistics">
        {(data) => <StatsCharts stats={data} />}
      </Loaded>
    </Stack>
  );
}

function StatsCharts({ stats }: { stats: AuditStats }) {
  const { labels, byDecision, byCategory, total } = useMemo(() => {
    const categories = [...new Set(stats.buckets.flatMap((bucket) => Object.keys(bucket.categories)))].sort();
    return {
      labels: stats.buckets.map((bucket) => bucketLabel(bucket.start, stats.bucket)),
      total: stats.buckets.reduce((sum, bucket) => sum + bucket.total, 0),
      byDecision: DECISIONS.map((decision) => ({
        label: decision,
        color: DECISION_COLORS[decision],
        values: stats.buckets.map((bucket) => bucket.decisions[decision] ?? 0),
      })),
      byCategory: categories.map((category, index) => ({
        label: category,
        color: paletteColor(index),
        values: stats.buckets.map((bucket) => bucket.categories[category] ?? 0),
      })),
    };
  }, [stats]);
  if (total === 0) return <EmptyState>No decisions in this range.</EmptyState>;
  const summary = (series: { label: string; values: number[] }[]) =>
    series.map((entry) => `${entry.label} ${entry.values.reduce((a, b) => a + b, 0)}`).join(', ');
  return (
    <div className="pgw-two-columns" data-testid="audit-charts">
      <BarChart
        title="Decisions by decision"
        labels={labels}
        series={byDecision}
        summary={summary(byDecision)}
      />
      {byCategory.length ? (
        <BarChart
          title="Decisions by category"
          labels={labels}
          series={byCategory}
          summary={summary(byCategory)}
        />
      ) : (
        <EmptyState>No category was triggered in this range.</EmptyState>
      )}
    </div>
  );
}
