import { createServer, type Server } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry';

export interface MetricsListenerOptions {
  port: number;
  host: string;
  /** Scrape paths and what each renders (`{ '/metrics': () => registry.render() }`). */
  routes: Record<string, () => string>;
}

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The internal Prometheus listener: /metrics (per-project counters) never shares the public port. A bare
 * node:http server with GET-only routes: no body is read, nothing else is served, and it does not keep
 * the process alive on shutdown (unref) once the app's own listener has closed.
 */
export async function listenMetrics(options: MetricsListenerOptions): Promise<MetricsListener> {
  const routes = new Map(Object.entries(options.routes));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const render = routes.get(path);
    if (!render) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(req.method === 'GET' ? render() : '');
  });
  // A scrape is one small GET: slow or idle connections are cut short.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
