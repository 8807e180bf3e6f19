import { listenMetrics, type MetricsListener } from './metrics-server';

describe('listenMetrics (the internal scrape listener)', () => {
  let listener: MetricsListener;
  let base: string;

  beforeAll(async () => {
    listener = await listenMetrics({
      port: 0,
      host: '127.0.0.1',
      routes: { '/metrics': () => 'x_total 1\n', '/metrics/audit': () => 'y_total 2\n' },
    });
    base = `http://127.0.0.1:${listener.port}`;
  });

  afterAll(() => listener.close());

  it('serves each configured path in the Prometheus text format', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await response.text()).toBe('x_total 1\n');
    expect(await (await fetch(`${base}/metrics/audit?x=1`)).text()).toBe('y_total 2\n');
  });

  it('serves nothing else: other paths 404, other methods 405', async () => {
    expect((await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});
