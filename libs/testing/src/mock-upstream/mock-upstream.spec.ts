import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { waitFor } from '../wait/wait-for';
import { checkJsonSchema, loadOpenAISchema, type JsonSchema } from './json-schema-check';
import { DEFAULT_MOCK_CONTENT, MockUpstream } from './mock-upstream';

const schemas = {
  completion: loadOpenAISchema('CreateChatCompletionResponse'),
  chunk: loadOpenAISchema('CreateChatCompletionStreamResponse'),
  error: loadOpenAISchema('ErrorResponse'),
  models: loadOpenAISchema('ListModelsResponse'),
  response: loadOpenAISchema('Response'),
  responseEvent: loadOpenAISchema('ResponseStreamEvent'),
  embeddings: loadOpenAISchema('CreateEmbeddingResponse'),
};

/** The spec types Response.user as a string and usage as an object; the real API sends null for both. */
function withoutRealApiNulls(value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  for (const target of [copy, copy.response as Record<string, unknown> | undefined]) {
    if (!target || typeof target !== 'object') continue;
    for (const key of ['user', 'usage']) if (target[key] === null) delete target[key];
  }
  return copy;
}

/**
 * Conformance for the Responses schemas, which compose their properties with allOf: the strict
 * "undeclared property" check judges each allOf branch alone, so only the structural check applies.
 */
function expectConformsComposed(schema: JsonSchema, value: unknown): void {
  expect(checkJsonSchema(schema, withoutRealApiNulls(value))).toEqual([]);
}

/** Conformance including "no undeclared property" (the OpenAI schemas never forbid extra fields). */
function expectConforms(schema: JsonSchema, value: unknown): void {
  expect(checkJsonSchema(schema, value, { strictProperties: true })).toEqual([]);
}

const messages = [{ role: 'user' as const, content: 'Say hello to the test suite please' }]; // 34 chars

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Drains a stream that is expected to fail; returns what arrived before the failure and the error. */
async function collectUntilError(
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error(`stream ended without an error after ${chunks.length} chunks`);
}

function contentOf(chunks: ChatCompletionChunk[], choice = 0): string {
  return chunks.map((c) => c.choices.find((x) => x.index === choice)?.delta.content ?? '').join('');
}

describe('MockUpstream', () => {
  let mock: MockUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await MockUpstream.start();
    client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'sk-unused', maxRetries: 0, timeout: 5_000 });
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());

  it('listens on 127.0.0.1 with a /v1 base URL', () => {
    expect(mock.baseUrl).toBe(`http://127.0.0.1:${mock.port}/v1`);
    expect(mock.port).toBeGreaterThan(0);
  });

  describe('non-streamed completions', () => {
    it('answers a schema-valid chat.completion echoing the model, with computed usage', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'gpt-test', messages })
        .withResponse();

      expectConforms(schemas.completion, data);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(data).toMatchObject({ object: 'chat.completion', model: 'gpt-test' });
      expect(data.choices).toEqual([
        {
          index: 0,
          message: { role: 'assistant', content: DEFAULT_MOCK_CONTENT, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ]);
      expect(data.usage).toEqual({
        prompt_tokens: Math.ceil(34 / 4),
        completion_tokens: DEFAULT_MOCK_CONTENT.length / 4,
        total_tokens: Math.ceil(34 / 4) + DEFAULT_MOCK_CONTENT.length / 4,
      });
    });

    it('returns scripted content, tool calls, finish reason, fixed usage and n choices', async () => {
      mock.enqueue({
        content: 'calling',
        toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }],
        finishReason: 'tool_calls',
        usage: { prompt_tokens: 7, completion_tokens: 3 },
        n: 2,
      });
      const result = await client.chat.completions.create({ model: 'm', messages });

      expectConforms(schemas.completion, result);
      expect(result.choices.map((c) => c.index)).toEqual([0, 1]);
      expect(result.choices[1].message.content).toBe('calling');
      expect(result.choices[1].finish_reason).toBe('tool_calls');
      expect(result.choices[0].message.tool_calls).toEqual([
        {
          id: expect.any(String),
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ]);
      expect(result.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    });

    it('answers tool calls alone with content null, and omits usage when scripted null', async () => {
      mock.enqueue({ toolCalls: [{ name: 'f', arguments: '{}' }], usage: null });
      const result = await client.chat.completions.create({ model: 'm', messages });

      expectConforms(schemas.completion, result);
      expect(result.choices[0].message.content).toBeNull();
      expect(result.choices[0].finish_reason).toBe('tool_calls');
      expect(result).not.toHaveProperty('usage');
    });

    it('honours the request n when the script does not fix it', async () => {
      const result = await client.chat.completions.create({ model: 'm', messages, n: 3 });
      expect(result.choices.map((c) => c.message.content)).toEqual([
        DEFAULT_MOCK_CONTENT,
        DEFAULT_MOCK_CONTENT,
        DEFAULT_MOCK_CONTENT,
      ]);
      expect(result.usage?.completion_tokens).toBe(3 * (DEFAULT_MOCK_CONTENT.length / 4));
    });

    it('consumes enqueued scripts in order, then falls back to the default', async () => {
      mock.setDefault({ content: 'default' });
      mock.enqueue({ content: 'first' }, { content: 'second' });
      const contents: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await client.chat.completions.create({ model: 'm', messages });
        contents.push(result.choices[0].message.content);
      }
      expect(contents).toEqual(['first', 'second', 'default']);
      expect(mock.pendingScripts).toBe(0);
    });
  });

  describe('streamed completions', () => {
    it('streams 23 schema-valid SSE events of the default content, without usage unless asked', async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-test', messages, stream: true });
      const chunks = await collect(stream);

      for (const chunk of chunks) expectConforms(schemas.chunk, chunk);
      // role chunk + 20 content pieces + finish chunk (+ [DONE], which the SDK swallows) = 23 events
      expect(chunks).toHaveLength(22);
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
      expect(chunks.slice(1, -1).every((c) => c.choices[0].delta.content?.length === 4)).toBe(true);
      expect(contentOf(chunks)).toBe(DEFAULT_MOCK_CONTENT);
      expect(chunks.at(-1)?.choices).toEqual([
        { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
      ]);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-test')).toBe(true);
      expect(chunks.some((c) => 'usage' in c)).toBe(false);
    });

    it('adds the usage chunk (choices: []) only when stream_options.include_usage is set', async () => {
      mock.enqueue({ chunks: ['He', 'llo', '!'] });
      const stream = await client.chat.completions.create({
        model: 'm',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = await collect(stream);

      for (const chunk of chunks) expectConforms(schemas.chunk, chunk);
      expect(contentOf(chunks)).toBe('Hello!');
      const last = chunks.at(-1);
      expect(last?.choices).toEqual([]);
      expect(last?.usage).toEqual({
        prompt_tokens: Math.ceil(34 / 4),
        completion_tokens: Math.ceil(6 / 4),
        total_tokens: Math.ceil(34 / 4) + Math.ceil(6 / 4),
      });
      // like OpenAI: the other chunks carry usage: null
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      expect(mock.requests.at(-1)?.body).toMatchObject({
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    it('sends no usage chunk when usage is scripted null, even if asked', async () => {
      mock.enqueue({ usage: null });
      const stream = await client.chat.completions.create({
        model: 'm',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = await collect(stream);
      expect(chunks.some((c) => c.choices.length === 0 || c.usage)).toBe(false);
    });

    it('streams tool calls with their arguments split, interleaving n choices', async () => {
      mock.enqueue({
        toolCalls: [
          { name: 'lookup', arguments: '{"q":"x"}', argumentChunks: ['{"q"', ':"x"}'] },
          { name: 'other', arguments: '{"long":"abcdefgh"}' },
        ],
        n: 2,
      });
      const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
      const chunks = await collect(stream);

      for (const chunk of chunks) expectConforms(schemas.chunk, chunk);
      for (const choice of [0, 1]) {
        const args = ['', ''];
        const names: string[] = [];
        for (const chunk of chunks) {
          for (const call of chunk.choices.find((c) => c.index === choice)?.delta.tool_calls ?? []) {
            if (call.function?.name) names[call.index] = call.function.name;
            args[call.index] += call.function?.arguments ?? '';
          }
        }
        expect(names).toEqual(['lookup', 'other']);
        expect(args).toEqual(['{"q":"x"}', '{"long":"abcdefgh"}']);
      }
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: null, refusal: null });
      expect(chunks.slice(-2).map((c) => c.choices[0].finish_reason)).toEqual(['tool_calls', 'tool_calls']);
    });

    it('uses the SSE wire format: data lines, blank-line separators, [DONE], text/event-stream', async () => {
      mock.enqueue({ chunks: ['a', 'b'] });
      const response = await fetch(`${mock.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages, stream: true }),
      });
      const text = await response.text();

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const events = text.split('\n\n');
      expect(events.pop()).toBe('');
      expect(events).toHaveLength(5);
      expect(events.every((e) => e.startsWith('data: ') && !e.includes('\n'))).toBe(true);
      expect(events.at(-1)).toBe('data: [DONE]');
    });

    it('paces events with chunkDelayMs and still delivers all of them', async () => {
      mock.enqueue({ chunks: ['x', 'y', 'z'], chunkDelayMs: 5 });
      const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
      expect(contentOf(await collect(stream))).toBe('xyz');
    });
  });

  describe('fault injection', () => {
    it('answers an enqueued 500 with an OpenAI-shaped error (InternalServerError in the SDK)', async () => {
      mock.enqueue({ status: 500 });
      const error = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);
      expectConforms(schemas.error, {
        error: (error as InstanceType<typeof OpenAI.InternalServerError>).error,
      });
      // the next request is healthy again
      await expect(client.chat.completions.create({ model: 'm', messages })).resolves.toBeDefined();
    });

    it('sends custom statuses, bodies and headers (429 with retry-after)', async () => {
      mock.enqueue(
        { status: 429, headers: { 'retry-after': '7' } },
        {
          status: 400,
          errorBody: { error: { message: 'bad', type: 'invalid_request_error', param: 'x', code: null } },
        },
      );
      const limited = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
      expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');

      const bad = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
      expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('x');
    });

    it('applies to streamed requests too (the error comes before any event)', async () => {
      mock.enqueue({ status: 503 });
      await expect(
        client.chat.completions.create({ model: 'm', messages, stream: true }),
      ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    });

    it('cuts the connection after resetAfterChunks events: the stream iteration fails', async () => {
      mock.enqueue({ resetAfterChunks: 3 });
      const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
      const { chunks, error } = await collectUntilError(stream);

      expect(chunks).toHaveLength(3);
      expect(contentOf(chunks)).toBe(DEFAULT_MOCK_CONTENT.slice(0, 8));
      // undici's TypeError('terminated') comes from Node's realm, not Jest's, so no toBeInstanceOf(Error)
      expect(error).toHaveProperty('message', 'terminated');
    });

    it('cuts the connection mid-stream when events are paced too', async () => {
      mock.enqueue({ resetAfterChunks: 2, chunkDelayMs: 2 });
      const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
      const { chunks } = await collectUntilError(stream);
      expect(chunks).toHaveLength(2);
    });

    it('destroys the socket without a response (resetBeforeResponse)', async () => {
      mock.enqueue({ resetBeforeResponse: true });
      await expect(client.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(
        OpenAI.APIConnectionError,
      );
    });

    it('delays the response by delayMs', async () => {
      mock.enqueue({ delayMs: 50 });
      const started = performance.now();
      await client.chat.completions.create({ model: 'm', messages });
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    });

    it('hangs until the client times out, leaving nothing in flight', async () => {
      mock.enqueue({ hang: true });
      const impatient = new OpenAI({
        baseURL: mock.baseUrl,
        apiKey: 'sk-unused',
        maxRetries: 0,
        timeout: 200,
      });
      const error = await impatient.chat.completions
        .create({ model: 'm', messages })
        .catch((e: unknown) => e);

      // APIConnectionTimeoutError outside Jest; under Jest's VM context the SDK may not recognise its own
      // AbortError and reports the base class APIConnectionError. Either way the hang ended on the client.
      expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
      await waitFor(() => mock.inFlightRequests === 0, { description: 'the aborted request to be released' });
    });
  });

  describe('responses and embeddings', () => {
    it('answers responses.create and its stream by the script, schema-valid, and stores the response', async () => {
      mock.setDefault({ content: 'Scripted reply.', chunks: ['Scri', 'pted', ' reply.'] });
      const raw = await fetch(`${mock.baseUrl}/responses`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', input: 'hi' }),
      });
      const body = (await raw.json()) as { id: string };
      expectConformsComposed(schemas.response, body);
      const created = await client.responses.create({ model: 'm', input: 'hi' });
      expect(created.output_text).toBe('Scripted reply.');
      expect((await client.responses.retrieve(body.id)).id).toBe(body.id);
      expect((await client.responses.inputItems.list(body.id)).data).toHaveLength(1);

      const events = [];
      for await (const event of await client.responses.create({ model: 'm', input: 'hi', stream: true })) {
        expectConformsComposed(schemas.responseEvent, event);
        events.push(event);
      }
      const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
      expect(deltas).toEqual(['Scri', 'pted', ' reply.']);
      expect(events.at(-1)?.type).toBe('response.completed');

      await client.responses.delete(body.id);
      await expect(client.responses.retrieve(body.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    });

    it('streams scripted function calls with their argument pieces', async () => {
      mock.enqueue({ toolCalls: [{ name: 'f', arguments: '{"a":1}', argumentChunks: ['{"a"', ':1}'] }] });
      const events = [];
      for await (const event of await client.responses.create({ model: 'm', input: 'hi', stream: true })) {
        expectConformsComposed(schemas.responseEvent, event);
        events.push(event);
      }
      const pieces = events.flatMap((e) =>
        e.type === 'response.function_call_arguments.delta' ? [e.delta] : [],
      );
      expect(pieces).toEqual(['{"a"', ':1}']);
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response.output).toMatchObject([
        { type: 'function_call', name: 'f', arguments: '{"a":1}' },
      ]);
    });

    it('answers embeddings in float and base64, schema-valid, and injects scripted errors', async () => {
      const raw = await fetch(`${mock.baseUrl}/embeddings`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', input: ['a', 'bb'], encoding_format: 'float', dimensions: 3 }),
      });
      const body = (await raw.json()) as { data: { embedding: number[] }[] };
      expectConforms(schemas.embeddings, body);
      expect(body.data.map((d) => d.embedding.length)).toEqual([3, 3]);
      const decoded = await client.embeddings.create({ model: 'm', input: 'a' }); // base64 on the wire
      expect(decoded.data[0].embedding).toHaveLength(8);
      mock.enqueue({ status: 429 });
      await expect(client.embeddings.create({ model: 'm', input: 'a' })).rejects.toBeInstanceOf(
        OpenAI.RateLimitError,
      );
    });
  });

  describe('other routes and auth', () => {
    it('lists models (schema-valid) and answers unknown routes with an OpenAI-shaped 404', async () => {
      const response = await fetch(`${mock.baseUrl}/models`);
      expectConforms(schemas.models, await response.json());
      const models = await client.models.list();
      expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');

      const missing = await fetch(`${mock.baseUrl}/audio/speech`, { method: 'POST', body: '{}' });
      expect(missing.status).toBe(404);
      expectConforms(schemas.error, await missing.json());
    });

    it('rejects malformed bodies with 400 without consuming the queue', async () => {
      mock.enqueue({ content: 'kept' });
      const notJson = await fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', body: '{oops' });
      expect(notJson.status).toBe(400);
      expectConforms(schemas.error, await notJson.json());
      const noMessages = await fetch(`${mock.baseUrl}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm' }),
      });
      expect(noMessages.status).toBe(400);
      expect(await noMessages.json()).toMatchObject({ error: { param: 'messages' } });
      expect(mock.pendingScripts).toBe(1);
    });

    it('requires the bearer key when apiKey is set', async () => {
      const guarded = await MockUpstream.start({ apiKey: 'sk-right' });
      try {
        const wrong = new OpenAI({ baseURL: guarded.baseUrl, apiKey: 'sk-wrong', maxRetries: 0 });
        const error = await wrong.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
        expectConforms(schemas.error, {
          error: (error as InstanceType<typeof OpenAI.AuthenticationError>).error,
        });

        const right = new OpenAI({ baseURL: guarded.baseUrl, apiKey: 'sk-right', maxRetries: 0 });
        await expect(right.chat.completions.create({ model: 'm', messages })).resolves.toBeDefined();
        expect(guarded.requests.map((r) => r.headers.authorization)).toEqual([
          'Bearer sk-wrong',
          'Bearer sk-right',
        ]);
      } finally {
        await guarded.close();
      }
    });
  });

  describe('recording and lifecycle', () => {
    it('records method, path, headers, parsed and raw body', async () => {
      await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'secret-ish' }],
      });
      expect(mock.requests).toHaveLength(1);
      const [request] = mock.requests;
      expect(request).toMatchObject({
        method: 'POST',
        path: '/v1/chat/completions',
        body: { model: 'm', messages: [{ role: 'user', content: 'secret-ish' }] },
      });
      expect(request.headers['content-type']).toContain('application/json');
      expect(request.rawBody).toContain('secret-ish');
      expect(request.receivedAt).toBeLessThanOrEqual(Date.now());
    });

    it('waitForRequests resolves on arrival and rejects on timeout', async () => {
      const arrived = mock.waitForRequests(2);
      await Promise.all([
        client.chat.completions.create({ model: 'm', messages }),
        client.chat.completions.create({ model: 'm', messages }),
      ]);
      await expect(arrived).resolves.toBeUndefined();
      await expect(mock.waitForRequests(3, 20)).rejects.toThrow(
        /timed out after 20 ms waiting for 3 requests/,
      );
    });

    it('counts but does not record requests when recordRequests is false', async () => {
      const quiet = await MockUpstream.start({ recordRequests: false });
      try {
        const quietClient = new OpenAI({ baseURL: quiet.baseUrl, apiKey: 'k', maxRetries: 0 });
        await quietClient.chat.completions.create({ model: 'm', messages });
        await quiet.waitForRequests(1);
        expect(quiet.requestCount).toBe(1);
        expect(quiet.requests).toEqual([]);
      } finally {
        await quiet.close();
      }
    });

    it('close() ends hanging requests and keep-alive sockets', async () => {
      const other = await MockUpstream.start();
      other.setDefault({ hang: true });
      const body = JSON.stringify({ model: 'm', messages });
      const pending = [1, 2].map(() =>
        fetch(`${other.baseUrl}/chat/completions`, { method: 'POST', body }).then(
          () => 'answered',
          () => 'failed',
        ),
      );
      await other.waitForRequests(2);
      expect(other.inFlightRequests).toBe(2);
      expect(other.openConnections).toBe(2);

      await other.close();
      expect(await Promise.all(pending)).toEqual(['failed', 'failed']);
      expect(other.openConnections).toBe(0);
      expect(other.inFlightRequests).toBe(0);
    });
  });

  describe('the schema check itself', () => {
    it('reports missing, mistyped, out-of-enum and undeclared fields', () => {
      const valid = {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'hi', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
      };
      expect(checkJsonSchema(schemas.completion, valid, { strictProperties: true })).toEqual([]);
      const broken = {
        ...valid,
        created: 1.5,
        object: 'chat.completion.chunk',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'hi' }, logprobs: null, finish_reasn: 'stop' },
        ],
      };
      expect(checkJsonSchema(schemas.completion, broken, { strictProperties: true }).sort()).toEqual(
        [
          '$.created: expected integer, got number',
          '$.choices[0]: missing required property "finish_reason"',
          '$.choices[0].message: missing required property "refusal"',
          '$.choices[0].finish_reasn: property not declared by the schema',
          '$.object: "chat.completion.chunk" not in enum ["chat.completion"]',
        ].sort(),
      );
    });
  });
});

describe('MockUpstream: bounded concurrency and hold/release', () => {
  it('answers 429 beyond maxConcurrent in-flight completions, and holds the others until release()', async () => {
    const mock = await MockUpstream.start({ maxConcurrent: 2 });
    try {
      const client = new OpenAI({ apiKey: 'k', baseURL: mock.baseUrl, maxRetries: 0 });
      mock.hold();
      const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages });
      const first = ask();
      const second = ask();
      await waitFor(() => mock.heldRequests === 2);
      const error = await ask().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
      mock.release();
      const answers = await Promise.all([first, second]);
      expect(answers.map((a) => a.choices[0].message.content)).toEqual([
        DEFAULT_MOCK_CONTENT,
        DEFAULT_MOCK_CONTENT,
      ]);
      expect(mock.heldRequests).toBe(0);
    } finally {
      await mock.close();
    }
  });
});
