import { Agent } from 'undici';
import { KafkaEventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { GatewayMetrics } from '../src';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';

/**
 * /metrics is served on the internal listener only, and its labels come from bounded, configured values:
 * 20,000 client-chosen model names must not make 20,000 series (issue: 20,040 series, 4.2 MB, kept forever).
 */
describe('gateway metrics: internal port, bounded labels', () => {
  /** Sent over HTTP (a few seconds here); the 20,000 of the finding go through the same label function below. */
  const DISTINCT_MODELS = 1_000;
  let mock: MockUpstream;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let restrictedKey: string;
  let openKey: string;
  const agent = new Agent({ connections: 32, pipelining: 1 });

  beforeAll(async () => {
    mock = await MockUpstream.start({ recordRequests: false });
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    const seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: { 'routed-model': { baseUrl: mock.baseUrl, apiKey: 'k' } },
      defaultUpstream: { baseUrl: mock.baseUrl, apiKey: 'k' },
    });
    // One project allows named models only; the other allows every model the default upstream serves.
    const restricted = await seed.project({ allowed_models: ['allowed-model'] });
    const open = await seed.project({ allowed_models: [] });
    restrictedKey = (await seed.key(restricted.project_id)).apiKey;
    openKey = (await seed.key(open.project_id)).apiKey;
    await waitFor(async () => (await chat(restrictedKey, 'allowed-model')) === 200, { description: 'key' });
    await waitFor(async () => (await chat(openKey, 'routed-model')) === 200, { description: 'key' });
  });

  afterAll(async () => {
    await agent.close();
    await gateway?.close();
    await seedBus?.close();
    await mock?.close();
  });

  async function chat(apiKey: string, model: string): Promise<number> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      // @ts-expect-error undici's fetch option (Node's global fetch is undici)
      dispatcher: agent,
    });
    await response.arrayBuffer();
    return response.status;
  }

  async function scrape(): Promise<string> {
    const response = await fetch(`${gateway.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  }

  const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

  it('is not served on the public port', async () => {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('pgw_gateway_requests_total');
  });

  it(`${DISTINCT_MODELS.toLocaleString('en')} distinct model names make a bounded number of series`, async () => {
    const statuses = new Map<number, number>();
    let next = 0;
    // Most go to the restricted project (400 model_not_found); some to the open one, which forwards them.
    const worker = async () => {
      for (let i = next++; i < DISTINCT_MODELS; i = next++) {
        const status = await chat(
          i % 20 === 0 ? openKey : restrictedKey,
          `hostile-${i}-${'x'.repeat(i % 64)}`,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(statuses.get(400)).toBe(DISTINCT_MODELS - DISTINCT_MODELS / 20);
    expect(statuses.get(200)).toBe(DISTINCT_MODELS / 20);
    await chat(restrictedKey, 'allowed-model');

    const text = await scrape();
    const requests = series(text, 'pgw_gateway_requests_total');
    console.log(
      `after ${DISTINCT_MODELS} distinct model names: ${requests.length} request series, scrape ${text.length} bytes`,
    );
    // status x {routed-model, allowed-model, other} x 2 projects at most.
    expect(requests.length).toBeLessThanOrEqual(12);
    expect(text.length).toBeLessThan(16 * 1024);
    expect(text).not.toContain('hostile-');
    const models = new Set(requests.map((line) => /model="([^"]*)"/.exec(line)?.[1]));
    expect([...models].sort()).toEqual(['allowed-model', 'other', 'routed-model']);
    const counted = requests
      .filter((line) => line.includes('model="other"'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(counted).toBe(DISTINCT_MODELS);
  });

  it("20,000 distinct model names through the handler's label function stay in the same series", async () => {
    const metrics = gateway.app.get(GatewayMetrics);
    const before = series(await scrape(), 'pgw_gateway_requests_total').length;
    for (let i = 0; i < 20_000; i++) {
      metrics.requests.inc(['400', metrics.modelLabel(`name-${i}`, ['allowed-model']), 'p-one']);
    }
    const text = await scrape();
    // One new series (400, other, p-one), not 20,000.
    expect(series(text, 'pgw_gateway_requests_total').length).toBe(before + 1);
    expect(text).toContain('pgw_gateway_requests_total{status="400",model="other",project="p-one"} 20000');
  });
});
