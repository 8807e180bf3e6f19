import OpenAI from 'openai';
import { MockUpstream } from './mock-upstream';

describe('MockUpstream', () => {
  let mock: MockUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'unused', maxRetries: 0, timeout: 2_000 });
  });
  afterAll(() => mock.close());

  it('answers a non-streamed completion with usage and the schema-required fields', async () => {
    const result = await client.chat.completions.create({
      model: 'm1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(result.object).toBe('chat.completion');
    expect(result.model).toBe('m1');
    expect(result.choices[0].message.content).toBe('Hello from the mock upstream.');
    expect(result.choices[0].finish_reason).toBe('stop');
    expect(result.usage?.total_tokens).toBe(
      (result.usage?.prompt_tokens ?? 0) + (result.usage?.completion_tokens ?? 0),
    );
  });

  it('streams chunks and sends the usage chunk only when asked', async () => {
    mock.enqueue({ chunks: ['ab', 'cd'] }, { chunks: ['ab', 'cd'] });
    const plain = await client.chat.completions.create({
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of plain) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
    }
    expect(text).toBe('abcd');
    expect(usageChunks).toBe(0);
    const withUsage = await client.chat.completions.create({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'x' }],
    });
    for await (const chunk of withUsage) if (chunk.usage) usageChunks++;
    expect(usageChunks).toBe(1);
  });

  it('injects faults: status codes, resets mid-stream and hangs', async () => {
    mock.enqueue({ status: 500 });
    await expect(client.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    mock.enqueue({ resetAfterChunks: 2 });
    const broken = await client.chat.completions.create({ model: 'm', stream: true, messages: [] });
    await expect(
      (async () => {
        for await (const _chunk of broken) {
          /* drain */
        }
      })(),
    ).rejects.toThrow();
    mock.enqueue({ hang: true });
    const fresh = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'unused', maxRetries: 0, timeout: 200 });
    // Under Jest's VM context the SDK cannot tell its own abort apart, so it reports the timeout as a
    // connection error (APIConnectionTimeoutError's base class); the point is that the hang ends.
    await expect(fresh.chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
  });

  it('records what the provider saw', async () => {
    const before = mock.requests.length;
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'recorded' }] });
    await mock.waitForRequests(before + 1);
    expect(mock.requests[before].body).toMatchObject({ messages: [{ content: 'recorded' }] });
  });
});
