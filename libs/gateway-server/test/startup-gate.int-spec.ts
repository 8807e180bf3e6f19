import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import OpenAI from 'openai';
import { EventBusModule, KafkaEventBus, type EventBus } from '@pgw/messaging';
import { MockUpstream, TEST_KAFKA_BROKERS } from '@pgw/testing';
import { GatewayServerModule, StateFollower } from '../src';
import { StateSeeder, uniqueId } from './support/gateway-harness';

/** A gateway app that listens at once, without waiting for its state (as the real app does). */
async function listenBeforeState(bus: EventBus, upstream: string) {
  const app = await NestFactory.create<NestFastifyApplication>(
    {
      module: class StartupGateApp {},
      imports: [
        EventBusModule.forRoot(bus),
        GatewayServerModule.forRoot({
          instanceId: uniqueId('gw'),
          routes: {},
          defaultUpstream: { baseUrl: upstream, apiKey: 'k' },
        }),
      ],
    },
    new FastifyAdapter(),
    { logger: ['error'] },
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

describe('gateway: no answer about keys before the state is loaded', () => {
  let mock: MockUpstream;
  let seedBus: KafkaEventBus;
  let seed: StateSeeder;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    seed = new StateSeeder(seedBus);
  });

  afterAll(async () => {
    await seedBus?.close();
    await mock?.close();
  });

  it('answers 503 not_ready with Retry-After (OpenAI shape) while Kafka is unreachable at start', async () => {
    const bus = new KafkaEventBus({
      brokers: ['127.0.0.1:1'],
      clientId: uniqueId('dead'),
      logger: () => undefined,
    });
    const { app, url } = await listenBeforeState(bus, mock.baseUrl);
    try {
      const chat = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer pgw_abcdefgh_0123456789abcdef',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(chat.status).toBe(503);
      expect(chat.headers.get('retry-after')).toBe('1');
      expect(await chat.json()).toEqual({
        error: {
          message: expect.stringContaining('starting'),
          type: 'api_error',
          param: null,
          code: 'not_ready',
        },
      });
      const models = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer x' } });
      expect(models.status).toBe(503);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, state_caught_up: false });
    } finally {
      await app.close();
      await bus.close();
    }
  });

  it('never answers a valid key 401 while starting: 503 until loaded, then served', async () => {
    const project = await seed.project();
    const { apiKey } = await seed.key(project.project_id);
    const bus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('gw') });
    const { app, url } = await listenBeforeState(bus, mock.baseUrl);
    const statuses: number[] = [];
    try {
      const openai = new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
      // Ask from the moment it listens until the answer is a completion.
      for (;;) {
        const status = await openai.chat.completions
          .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
          .then(
            () => 200,
            (error: unknown) => (error instanceof OpenAI.APIError ? (error.status ?? 0) : -1),
          );
        statuses.push(status);
        if (status !== 503) break;
      }
      expect(app.get(StateFollower).isCaughtUp()).toBe(true);
      expect(statuses.at(-1)).toBe(200);
      expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    } finally {
      await app.close();
      await bus.close();
    }
  });
});
