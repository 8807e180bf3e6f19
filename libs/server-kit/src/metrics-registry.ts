/**
 * A tiny Prometheus text-format registry (counters, gauges, histograms with fixed buckets) for the
 * policy/audit/billing services. The hot path is a Map lookup and an addition; formatting happens on
 * scrape. Label values must be bounded enums chosen by the code (never request text, never key material);
 * a counter's `maxSeries` is the backstop: past it, new label combinations are counted under `other`.
 */
type Labels = readonly string[];

interface Metric {
  render(): string;
}

/** The content type Prometheus expects for the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: Labels, values: Labels, extra = ''): string {
  const parts = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function header(name: string, help: string, type: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/** The label value that stands for everything outside a bounded set. */
export const OTHER_LABEL = 'other';

/** `value` when it is one of the allowed values, else `other`: labels stay within a configured set. */
export function boundedLabel(value: string, allowed: ReadonlySet<string>): string {
  return allowed.has(value) ? value : OTHER_LABEL;
}

/** A monotonically increasing count, optionally split by labels. */
export class Counter implements Metric {
  private readonly series = new Map<string, { values: Labels; value: number }>();
  private readonly overflowKey: string;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: Labels = [],
    /** Label combinations rendered as 0 before they first happen (so rate() has a baseline). */
    initial: readonly Labels[] = labelNames.length === 0 ? [[]] : [],
    /** Most label combinations kept; later new ones are all counted under `other` (plus this one series). */
    private readonly maxSeries = 10_000,
  ) {
    this.overflowKey = labelNames.map(() => OTHER_LABEL).join('\u0000');
    for (const values of initial) this.inc(values, 0);
  }

  inc(values: Labels = [], by = 1): void {
    const key = values.join('\u0000');
    const series = this.series.get(key);
    if (series) series.value += by;
    else if (this.series.size < this.maxSeries) this.series.set(key, { values: [...values], value: by });
    else this.overflow(by);
  }

  private overflow(by: number): void {
    const series = this.series.get(this.overflowKey);
    if (series) series.value += by;
    else this.series.set(this.overflowKey, { values: this.labelNames.map(() => OTHER_LABEL), value: by });
  }

  /** Label combinations held (each one a series on scrape). */
  get seriesCount(): number {
    return this.series.size;
  }

  value(values: Labels = []): number {
    return this.series.get(values.join('\u0000'))?.value ?? 0;
  }

  render(): string {
    const lines = header(this.name, this.help, 'counter');
    for (const { values, value } of this.series.values()) {
      lines.push(`${this.name}${labelText(this.labelNames, values)} ${value}`);
    }
    return lines.join('\n');
  }
}

/** A value read on scrape (queue sizes, ages), or set by the code when it changes. */
export class Gauge implements Metric {
  private current = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read?: () => number,
  ) {}

  set(value: number): void {
    this.current = value;
  }

  render(): string {
    const value = this.read ? this.read() : this.current;
    return [...header(this.name, this.help, 'gauge'), `${this.name} ${value}`].join('\n');
  }
}

/** Observations counted into fixed cumulative buckets (`le`), with sum and count. */
export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]) {
        this.counts[i]++;
        return;
      }
    }
  }

  render(): string {
    const lines = header(this.name, this.help, 'histogram');
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i];
      lines.push(`${this.name}_bucket{le="${this.buckets[i]}"} ${cumulative}`);
    }
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`);
    lines.push(`${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  register<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  /** The whole registry in the text exposition format (ends with a newline, as the format requires). */
  render(): string {
    return this.metrics.map((metric) => metric.render()).join('\n') + '\n';
  }
}

/** Seconds since `startNs` (from process.hrtime.bigint()), for latency histograms. */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}
