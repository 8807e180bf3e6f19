import { boundedLabel, Counter, Gauge, Histogram, MetricsRegistry } from './metrics-registry';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const plain = registry.register(new Counter('x_total', 'Plain.'));
    const byStage = registry.register(
      new Counter('y_total', 'By stage.', ['stage'], [['decode'], ['database']]),
    );
    let depth = 3;
    registry.register(new Gauge('depth', 'Read on scrape.', () => depth));
    const set = registry.register(new Gauge('age_seconds', 'Set by the code.'));
    const latency = registry.register(new Histogram('write_seconds', 'Latency.', [0.01, 0.1]));
    plain.inc();
    plain.inc([], 2);
    byStage.inc(['database']);
    depth = 5;
    set.set(1.5);
    latency.observe(0.005);
    latency.observe(0.05);
    latency.observe(7);
    expect(registry.render()).toBe(
      [
        '# HELP x_total Plain.',
        '# TYPE x_total counter',
        'x_total 3',
        '# HELP y_total By stage.',
        '# TYPE y_total counter',
        'y_total{stage="decode"} 0',
        'y_total{stage="database"} 1',
        '# HELP depth Read on scrape.',
        '# TYPE depth gauge',
        'depth 5',
        '# HELP age_seconds Set by the code.',
        '# TYPE age_seconds gauge',
        'age_seconds 1.5',
        '# HELP write_seconds Latency.',
        '# TYPE write_seconds histogram',
        'write_seconds_bucket{le="0.01"} 1',
        'write_seconds_bucket{le="0.1"} 2',
        'write_seconds_bucket{le="+Inf"} 3',
        'write_seconds_sum 7.055',
        'write_seconds_count 3',
        '',
      ].join('\n'),
    );
    expect(byStage.value(['database'])).toBe(1);
  });

  it('escapes label values', () => {
    const counter = new Counter('z_total', 'Escaped.', ['model']);
    counter.inc(['a"b\\c\nd']);
    expect(counter.render()).toContain('z_total{model="a\\"b\\\\c\\nd"} 1');
  });
});

describe('bounded labels', () => {
  it('boundedLabel keeps allowed values and maps everything else to other', () => {
    const allowed = new Set(['gpt-4o', 'gpt-4o-mini']);
    expect(boundedLabel('gpt-4o', allowed)).toBe('gpt-4o');
    expect(boundedLabel('constructor', allowed)).toBe('other');
    expect(boundedLabel('x'.repeat(128), allowed)).toBe('other');
  });

  it('a counter past maxSeries counts new label combinations under other, keeping the totals', () => {
    const counter = new Counter('c_total', 'Capped.', ['model', 'status'], [], 3);
    for (let i = 0; i < 1_000; i++) counter.inc([`m${i}`, '400']);
    expect(counter.seriesCount).toBe(4);
    expect(counter.value(['m0', '400'])).toBe(1);
    expect(counter.value(['other', 'other'])).toBe(997);
    counter.inc(['m1', '400']);
    expect(counter.value(['m1', '400'])).toBe(2);
  });
});
