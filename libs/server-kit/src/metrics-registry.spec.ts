import { Counter, Gauge, Histogram, MetricsRegistry } from './metrics-registry';

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
