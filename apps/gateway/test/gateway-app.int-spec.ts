import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayMetrics } from '@pgw/gateway-server';
import { listenMetrics, loadConfig, type MetricsListener } from '@pgw/server-kit';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { GatewayAppModule } from '../src/app.module';
import { GatewayConfig } from '../src/gateway.config';

describe('gateway app: config → GatewayServerModule → probes', () => {
  let mock: MockUpstream;
  let app: NestFastifyApplication;
  let url: string;
  let metrics: MetricsListener;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    const config = loadConfig(GatewayConfig, {
      UPSTREAM_BASE_URL: mock.baseUrl,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      SPILL_DIR: mkdtempSync(join(tmpdir(), 'pgw-gateway-app-')),
      INSTANCE_ID: `app-test-${process.env.PGW_TEST_RUN_ID ?? Date.now()}`,
    });
    const bus = config.createEventBus(); // as main.ts builds it
    app = await NestFactory.create<NestFastifyApplication>(
      GatewayAppModule.forRoot(config.toServerOptions(), bus),
      new FastifyAdapter(),
      {
        logger: ['error', 'warn'],
      },
    );
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const registry = app.get(GatewayMetrics).registry; // as main.ts serves it, on METRICS_PORT
    metrics = await listenMetrics({
      port: 0,
      host: '127.0.0.1',
      routes: { '/metrics': () => registry.render() },
    });
  });

  afterAll(async () => {
    await metrics?.close();
    await app?.close();
    await mock?.close();
  });

  it('is live at once, ready once the state topics are read, and exposes Prometheus metrics on the internal port only', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { description: 'ready' });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
    expect(text).toContain('# TYPE pgw_gateway_requests_total counter');
    expect(text).toContain('# TYPE pgw_gateway_added_latency_seconds histogram');
    expect(text).toMatch(/^pgw_gateway_event_spill_depth 0$/m);
  });

  it('answers an unknown path with a hint that the base URL must end in /v1', async () => {
    const response = await fetch(`${url}/chat/completions`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('/v1');
  });
});
