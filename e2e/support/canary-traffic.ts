import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { MockUpstream } from '@pgw/testing';

/** An AWS-shaped key and an email: what the canary policy redacts (both ways). */
export const REDACTED_KEY = 'AKIALALEMEL33243OLIA';
export const REDACTED_EMAIL = 'canary.person@example.com';

/**
 * The policy the canary run enforces: redact keys and emails both ways, block one term on input and
 * another on output. Every path of issue 15 (allowed, streamed, blocked, input-redacted, output-redacted,
 * upstream-failed, client-cancelled) is one request under it.
 */
export function canaryPolicy(inputBlock: string, outputBlock: string): unknown {
  return {
    version: 1,
    rules: [
      { id: 'aws', category: 'secret.aws_access_key', target: 'both', action: 'redact' },
      { id: 'email', category: 'pii.email', target: 'both', action: 'redact' },
      {
        id: 'deny-in',
        category: 'denylist.canary_in',
        target: 'input',
        action: 'block',
        terms: [inputBlock],
      },
      {
        id: 'deny-out',
        category: 'denylist.canary_out',
        target: 'output',
        action: 'block',
        terms: [outputBlock],
      },
    ],
  };
}

/** Unique markers, one per field and path: none may be kept anywhere but `user` as policy_user. */
export class Canaries {
  private readonly all = new Map<string, string>();
  /** The blocked terms are the policy's configuration (stored with it), not canaries. */
  readonly inputBlock = `blockin${randomBytes(6).toString('hex')}`;
  readonly outputBlock = `blockout${randomBytes(6).toString('hex')}`;

  make(label: string): string {
    const value = `cnry${label}${randomBytes(6).toString('hex')}`;
    this.all.set(value, label);
    return value;
  }

  /** Every canary, with the label of the field it was put in. */
  entries(): [string, string][] {
    return [...this.all.entries()];
  }

  /** The canaries (with their field) found in `text`. */
  foundIn(text: string, except: readonly string[] = []): string[] {
    return this.entries()
      .filter(([value]) => !except.includes(value) && text.includes(value))
      .map(([value, label]) => `${label}:${value}`);
  }
}

/** A request whose every text-bearing field holds its own canary (plus `extra` in the first message). */
function canaryRequest(c: Canaries, model: string, extra: string, user: string): Record<string, unknown> {
  return {
    model,
    user,
    messages: [
      { role: 'system', content: `system ${c.make('system')} ${extra}` },
      {
        role: 'user',
        name: c.make('name'),
        content: [{ type: 'text', text: `part ${c.make('part')}` }],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup', arguments: JSON.stringify({ q: c.make('toolcall') }) },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: `result ${c.make('toolresult')}` },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'lookup',
          description: `looks up ${c.make('tooldesc')}`,
          parameters: {
            type: 'object',
            properties: { q: { type: 'string', description: c.make('toolparam') } },
          },
        },
      },
    ],
    metadata: { note: c.make('metadata') },
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object', description: c.make('responseformat') } },
    },
    logprobs: true,
  };
}

/** A provider completion whose every text-bearing field holds its own canary (plus `extra` in content). */
function canaryCompletion(c: Canaries, extra: string): unknown {
  return {
    id: 'chatcmpl-canary',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: `answer ${c.make('completion')} ${extra}`,
          refusal: `refusal ${c.make('refusal')}`,
          reasoning_content: `reasoning ${c.make('reasoning')}`,
          tool_calls: [
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'lookup', arguments: JSON.stringify({ q: c.make('outtoolcall') }) },
            },
          ],
        },
        logprobs: { content: [{ token: c.make('logprob'), logprob: -0.1, bytes: null, top_logprobs: [] }] },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  };
}

/** The same completion as SSE events, the texts split in two across events. */
function canaryStream(c: Canaries, extra: string): string {
  const event = (delta: object, extra2: object = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-canary', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: null, ...extra2 }] })}\n\n`;
  const split = (text: string) => [text.slice(0, 9), text.slice(9)];
  const [c1, c2] = split(`answer ${c.make('streamcompletion')} ${extra}`);
  const [r1, r2] = split(`refusal ${c.make('streamrefusal')}`);
  const [t1, t2] = split(`reasoning ${c.make('streamreasoning')}`);
  const [a1, a2] = split(JSON.stringify({ q: c.make('streamtoolcall') }));
  return (
    event({ role: 'assistant', content: '' }) +
    event(
      { content: c1 },
      {
        logprobs: {
          content: [{ token: c.make('streamlogprob'), logprob: -1, bytes: null, top_logprobs: [] }],
        },
      },
    ) +
    event({ content: c2 }) +
    event({ refusal: r1 }) +
    event({ refusal: r2 }) +
    event({ reasoning_content: t1 }) +
    event({ reasoning_content: t2 }) +
    event({
      tool_calls: [{ index: 0, id: 'call_3', type: 'function', function: { name: 'lookup', arguments: a1 } }],
    }) +
    event({ tool_calls: [{ index: 0, function: { arguments: a2 } }] }) +
    `data: ${JSON.stringify({ id: 'chatcmpl-canary', object: 'chat.completion.chunk', stray: c.make('choiceless') })}\n\n` +
    `data: ${JSON.stringify({ id: 'chatcmpl-canary', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n` +
    `data: ${JSON.stringify({ id: 'chatcmpl-canary', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } })}\n\n` +
    'data: [DONE]\n\n'
  );
}

export interface CanaryRun {
  /** The `user` canary: allowed only as policy_user (audit rows, decision events, audit export). */
  user: string;
  /** Requests sent (each must have its decision rows). */
  requests: number;
  /** Decision rows the run must produce (input for every request the policy saw, output for each answer). */
  decisions: number;
}

/**
 * Drives the seven paths through a running gateway, each request carrying canaries in every field, the
 * request-id header (free text: replaced) and, once, the model name (not a known model: recorded as unknown).
 */
export async function driveCanaryTraffic(
  gatewayUrl: string,
  apiKey: string,
  mock: MockUpstream,
  c: Canaries,
): Promise<CanaryRun> {
  const user = c.make('user');
  const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey, maxRetries: 0 });
  const headers = () => ({ 'x-request-id': `req ${c.make('requestid')} 123-45-6789` });
  const create = (body: Record<string, unknown>, signal?: AbortSignal) =>
    client.chat.completions.create(body as never, { headers: headers(), signal });
  let requests = 0;
  const send = async (body: Record<string, unknown>, signal?: AbortSignal) => {
    requests++;
    try {
      const result = (await create(body, signal)) as unknown;
      if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        for await (const chunk of result as AsyncIterable<unknown>) void chunk;
      }
    } catch {
      // blocked (403), upstream failed (502), cancelled: the record is what this run checks
    }
  };

  // allowed; `user` with control characters (a NUL cannot be stored): normalised, the decision kept
  mock.enqueue({ status: 200, errorBody: canaryCompletion(c, '') });
  await send(canaryRequest(c, 'gpt-4o-mini', '', `\u0000${user}\u0007`));
  // streamed
  mock.enqueue({ status: 200, errorBody: canaryStream(c, '') });
  await send({ ...canaryRequest(c, 'gpt-4o-mini', '', user), stream: true });
  // blocked on input
  await send(canaryRequest(c, 'gpt-4o-mini', c.inputBlock, user));
  // input redacted
  mock.enqueue({ status: 200, errorBody: canaryCompletion(c, '') });
  await send(canaryRequest(c, 'gpt-4o-mini', `${REDACTED_KEY} ${REDACTED_EMAIL}`, user));
  // output redacted, whole and streamed; output blocked
  mock.enqueue({ status: 200, errorBody: canaryCompletion(c, `${REDACTED_KEY} ${REDACTED_EMAIL}`) });
  await send(canaryRequest(c, 'gpt-4o-mini', '', user));
  mock.enqueue({ status: 200, errorBody: canaryStream(c, REDACTED_KEY) });
  await send({ ...canaryRequest(c, 'gpt-4o-mini', '', user), stream: true });
  mock.enqueue({ status: 200, errorBody: canaryCompletion(c, c.outputBlock) });
  await send(canaryRequest(c, 'gpt-4o-mini', '', user));
  // upstream failed (its error body carries a canary too)
  mock.enqueue({ status: 500, errorBody: { error: { message: `upstream ${c.make('upstreamerror')}` } } });
  await send(canaryRequest(c, 'gpt-4o-mini', '', user));
  // client cancelled while the provider is still thinking
  mock.enqueue({ delayMs: 5_000, content: `late ${c.make('late')}` });
  const abort = new AbortController();
  const before = mock.requestCount;
  const cancelled = send(canaryRequest(c, 'gpt-4o-mini', '', user), abort.signal);
  await mock.waitForRequests(before + 1);
  abort.abort();
  await cancelled;
  // a model name nobody configured
  await send(canaryRequest(c, `gpt-${c.make('model')}`, '', user));
  // 9 chat requests: 9 input decisions, output for the 6 that got a response (the unknown model: none)
  let decisions = 15;

  // The Responses API: canaries in every input field and in the provider's output text and call arguments,
  // plain (input + output decisions), streamed (input + output), retrieved (output).
  const responsesBody = (): Record<string, unknown> => ({
    model: 'gpt-4o-mini',
    user,
    instructions: `instructions ${c.make('respinstructions')}`,
    metadata: { note: c.make('respmetadata') },
    tools: [
      {
        type: 'function',
        name: 'lookup',
        description: `tool ${c.make('resptooldescription')}`,
        parameters: {
          type: 'object',
          properties: { q: { type: 'string', description: c.make('respparam') } },
        },
        strict: false,
      },
    ],
    input: [
      { role: 'user', content: [{ type: 'input_text', text: `text ${c.make('respinputtext')}` }] },
      {
        type: 'function_call',
        call_id: 'call_1',
        name: 'lookup',
        arguments: JSON.stringify({ q: c.make('respcallargs') }),
      },
      { type: 'function_call_output', call_id: 'call_1', output: `result ${c.make('respcalloutput')}` },
    ],
  });
  const responsesScript = () => ({
    content: `output ${c.make('respoutput')} ${REDACTED_EMAIL}`,
    toolCalls: [{ name: 'lookup', arguments: JSON.stringify({ q: c.make('respoutputargs') }) }],
  });
  let createdId: string | null = null;
  mock.enqueue(responsesScript());
  requests++;
  try {
    createdId = (await client.responses.create(responsesBody() as never, { headers: headers() })).id;
  } catch {
    // recorded either way
  }
  mock.enqueue(responsesScript());
  requests++;
  try {
    const stream = await client.responses.create({ ...responsesBody(), stream: true } as never, {
      headers: headers(),
    });
    for await (const event of stream as unknown as AsyncIterable<unknown>) void event;
  } catch {
    // recorded either way
  }
  decisions += 4;
  if (createdId) {
    requests++;
    decisions += 1;
    await client.responses.retrieve(createdId, {}, { headers: headers() }).catch(() => undefined);
  }
  // Embeddings: canaries in the input (one input decision, no output).
  requests++;
  decisions += 1;
  await client.embeddings
    .create(
      {
        model: 'gpt-4o-mini',
        input: [`embed ${c.make('embedinput')}`, REDACTED_KEY],
        user,
        encoding_format: 'float',
      },
      { headers: headers() },
    )
    .catch(() => undefined);
  return { user, requests, decisions };
}

/** Every file below `dir` (spill files, PGlite's data files), as latin1 text for a byte search. */
export function readTree(dir: string): string {
  let out = '';
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return '';
  }
  for (const name of entries) {
    const path = join(dir, name);
    const stat = statSync(path);
    out += stat.isDirectory() ? readTree(path) : readFileSync(path).toString('latin1');
  }
  return out;
}
