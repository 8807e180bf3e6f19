/** A gauge with one series per upstream (or other label), read on scrape (the registry's Gauge has no labels). */
export class UpstreamGauge {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => readonly (readonly [string, number])[],
    private readonly label = 'upstream',
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [label, value] of this.read()) {
      lines.push(`${this.name}{${this.label}="${label.replace(/["\\\n]/g, '_')}"} ${value}`);
    }
    return lines.join('\n');
  }
}
