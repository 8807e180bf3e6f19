import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { KafkaEventBus } from '@pgw/messaging';
import { TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { MAX_SSE_EVENT_CHARS } from '../src/completions/streaming-redaction';
import { startGateway, StateSeeder, uniqueId, type RunningGateway } from './support/gateway-harness';

/**
 * A provider that streams without end, as the gateway meets it: an endless run of content the policy
 * must hold back (buffer mode), and one event that never ends. Each time the gateway must stop reading
 * (its memory bounded), end the client's stream with an error event the SDK raises, and abort upstream.
 */
class EndlessProvider {
  /** Characters written per request before the gateway closed the connection. */
  readonly written: number[] = [];
  private mode: 'content' | 'open-event' = 'content';
  private constructor(private readonly server: Server) {}

  static async start(): Promise<EndlessProvider> {
    const server = createServer();
    const provider = new EndlessProvider(server);
    server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => provider.stream(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return provider;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  use(mode: 'content' | 'open-event'): void {
    this.mode = mode;
  }

  private stream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const slot = this.written.push(0) - 1;
    const head = `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":`;
    const piece = 'x'.repeat(16 * 1024);
    let first = true;
    const pump = () => {
      // Writes until the socket pushes back, then waits for drain; stops once the gateway hangs up.
      while (!res.destroyed) {
        let data: string;
        if (this.mode === 'content') data = `data: ${head}{"content":"${piece}"}}]}\n\n`;
        else data = first ? `data: ${head}{"content":"${piece}` : piece;
        first = false;
        this.written[slot] += data.length;
        if (!res.write(data)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.on('close', () => res.destroy());
    pump();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('gateway: streamed output is held back within a bound', () => {
  let provider: EndlessProvider;
  let gateway: RunningGateway;
  let seedBus: KafkaEventBus;
  let client: OpenAI;

  beforeAll(async () => {
    provider = await EndlessProvider.start();
    seedBus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('seed') });
    const seed = new StateSeeder(seedBus);
    gateway = await startGateway({
      routes: { 'gpt-4o-mini': { baseUrl: provider.baseUrl, apiKey: 'k' } },
      defaultUpstream: null,
      upstream: { timeoutMs: 60_000 },
    });
    const project = await seed.project();
    // Buffer mode: the whole completion is held until it is checked, so an endless one reaches the bound.
    await seed.policy(project.project_id, {
      version: 1,
      streaming: { mode: 'buffer' },
      rules: [{ id: 'cards', category: 'pii.card', target: 'output', action: 'redact' }],
    });
    const { apiKey } = await seed.key(project.project_id);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 });
    await waitFor(
      () =>
        fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } }).then(
          (r) => r.status === 200,
        ),
      { description: 'the gateway to know the key' },
    );
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await seedBus?.close();
    await provider?.close();
  });

  async function streamError(): Promise<unknown> {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'go on forever' }],
      stream: true,
    });
    let content = '';
    const error = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
    })().then(
      () => null,
      (e: unknown) => e,
    );
    // Nothing unchecked was released before the end.
    expect(content).toBe('');
    return error;
  }

  it('ends an endless completion it would have to hold past the limit with an error event', async () => {
    provider.use('content');
    const error = await streamError();
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('stream_hold_limit_exceeded');
    // The gateway hung up on the provider: it read a bounded amount (the limit plus what was in flight).
    const written = await waitFor(() => provider.written.at(-1), { description: 'the provider stopped' });
    expect(written).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);

  it('ends a stream whose event never ends with an error event', async () => {
    provider.use('open-event');
    const error = await streamError();
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_event_too_large');
    expect(MAX_SSE_EVENT_CHARS).toBe(1024 * 1024);
  }, 60_000);
});
