import fc from 'fast-check';
import { StreamingRedaction } from '../completions/streaming-redaction';
import { PolicyCompiler } from '../policy/policy-engine.adapter';
import type { CompiledPolicy } from '../policy/policy-port';
import { CHAT_REQUEST_FIELDS, visitRequestTexts } from './chat-request-fields';
import { applyOutputPolicy, CHAT_RESPONSE_FIELDS } from './chat-response-fields';

const CANARY = 'CANARYfield';

/** One request that holds CANARY in each field of CHAT_REQUEST_FIELDS marked scanned (same order). */
const REQUEST_SAMPLES: Record<string, (c: string) => Record<string, unknown>> = {
  'messages[].content (string)': (c) => ({ messages: [{ role: 'tool', tool_call_id: 't', content: c }] }),
  'messages[].content[].text': (c) => ({
    messages: [{ role: 'user', content: [{ type: 'text', text: c }] }],
  }),
  'messages[].content[].refusal': (c) => ({
    messages: [{ role: 'assistant', content: [{ type: 'refusal', refusal: c }] }],
  }),
  'messages[].content[].image_url.url': (c) => ({
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `https://x/${c}` } }] }],
  }),
  'messages[].content[].file.filename': (c) => ({
    messages: [{ role: 'user', content: [{ type: 'file', file: { filename: c } }] }],
  }),
  'messages[].content[].file.file_data / image_url.url (data: URL) of a text type': (c) => ({
    messages: [
      {
        role: 'user',
        content: [
          {
            type: 'file',
            file: { file_data: `data:text/csv;base64,${Buffer.from(`a,${c}`).toString('base64')}` },
          },
        ],
      },
    ],
  }),
  'messages[].content[] (any other part type)': (c) => ({
    messages: [{ role: 'user', content: [{ type: 'future', future: { deep: [c] } }] }],
  }),
  'messages[].name': (c) => ({ messages: [{ role: 'user', content: 'x', name: c }] }),
  'messages[].refusal': (c) => ({ messages: [{ role: 'assistant', content: null, refusal: c }] }),
  'messages[].tool_calls[].function.arguments': (c) => ({
    messages: [
      {
        role: 'assistant',
        tool_calls: [{ id: 'i', type: 'function', function: { name: 'f', arguments: c } }],
      },
    ],
  }),
  'messages[].function_call.arguments': (c) => ({
    messages: [{ role: 'assistant', function_call: { name: 'f', arguments: c } }],
  }),
  'messages[].tool_call_id': (c) => ({ messages: [{ role: 'tool', tool_call_id: c, content: 'x' }] }),
  'tools[].function.description': (c) => ({
    tools: [{ type: 'function', function: { name: 'f', description: c } }],
  }),
  'tools[].function.parameters': (c) => ({
    tools: [{ type: 'function', function: { name: 'f', parameters: { properties: { [c]: {} } } } }],
  }),
  'functions[].description / parameters': (c) => ({ functions: [{ name: 'f', parameters: { enum: [c] } }] }),
  'response_format.json_schema': (c) => ({
    response_format: { type: 'json_schema', json_schema: { name: c } },
  }),
  'prediction.content': (c) => ({ prediction: { type: 'content', content: [{ type: 'text', text: c }] } }),
  metadata: (c) => ({ metadata: { [c]: 'v' } }),
  user: (c) => ({ user: c }),
  stop: (c) => ({ stop: [c] }),
  '(any other top-level field)': (c) => ({
    web_search_options: { user_location: { approximate: { city: c } } },
  }),
};

describe('chat request fields', () => {
  it('has a canary sample for every scanned entry of the documented map, and the walker reaches each', () => {
    const scanned = CHAT_REQUEST_FIELDS.filter((f) => f.handling === 'scanned').map((f) => f.field);
    expect(Object.keys(REQUEST_SAMPLES).sort()).toEqual([...scanned].sort());
    for (const field of scanned) {
      const body = {
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        ...REQUEST_SAMPLES[field](CANARY),
      };
      const seen: string[] = [];
      visitRequestTexts(body, (text) => (seen.push(text), text));
      expect({ field, reached: seen.some((t) => t.includes(CANARY)) }).toEqual({ field, reached: true });
      // Written back: nothing of it is left once every text is replaced.
      visitRequestTexts(body, (text) => text.replaceAll(CANARY, '[X]'));
      expect({ field, left: JSON.stringify(body).includes(CANARY) }).toEqual({ field, left: false });
    }
  });

  it('leaves the routing key, roles, part types and base64 media alone, reporting each media part', () => {
    const body = {
      model: CANARY,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: CANARY, format: 'wav' } },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${CANARY}` } },
            { type: 'file', file: { file_data: CANARY } },
          ],
        },
      ],
    };
    const seen: string[] = [];
    let media = 0;
    visitRequestTexts(
      body,
      (text) => (seen.push(text), text),
      () => media++,
    );
    expect(seen.filter((t) => t.includes(CANARY))).toEqual([]);
    expect(media).toBe(3);
  });

  it('reads text files: data: URLs (base64 or percent-encoded) and bare base64 named as text', () => {
    const b64 = (t: string): string => Buffer.from(t, 'utf8').toString('base64');
    const body = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'image_url',
              image_url: { url: `data:application/ld+json;base64,${b64(`{"a":"${CANARY}"}`)}` },
            },
            { type: 'image_url', image_url: { url: `DATA:,${encodeURIComponent(`é ${CANARY}`)}` } },
            { type: 'file', file: { filename: 'NOTES.YAML', file_data: b64(`k: ${CANARY}`) } },
            // Not UTF-8 although typed as text: opaque media, left as it is.
            {
              type: 'file',
              file: {
                file_data: `data:text/plain;base64,${Buffer.from([0xff, 0xfe, 0x41]).toString('base64')}`,
              },
            },
          ],
        },
      ],
    };
    const seen: string[] = [];
    let media = 0;
    visitRequestTexts(
      body,
      (text) => (seen.push(text), text),
      () => media++,
    );
    expect(seen).toEqual([`{"a":"${CANARY}"}`, `é ${CANARY}`, 'NOTES.YAML', `k: ${CANARY}`]);
    expect(media).toBe(1);
    const before = JSON.stringify(body);
    visitRequestTexts(body, (text) => text); // unchanged texts keep the client's exact encoding
    expect(JSON.stringify(body)).toBe(before);
    visitRequestTexts(body, (text) => text.replaceAll(CANARY, '[X]'));
    const parts = body.messages[0].content as { image_url?: { url: string }; file?: { file_data: string } }[];
    expect(Buffer.from(parts[0].image_url!.url.split(',')[1], 'base64').toString()).toBe('{"a":"[X]"}');
    expect(parts[1].image_url!.url).toBe(`DATA:,${encodeURIComponent('é [X]')}`);
    expect(Buffer.from(parts[2].file!.file_data, 'base64').toString()).toBe('k: [X]');
  });
});

describe('chat request fields: roles', () => {
  it("visits each text with the role of its message, and text outside messages as 'field'", () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'ask' }], name: 'alice' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'fetch', arguments: '{"u":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'page text' },
      ],
      tools: [{ type: 'function', function: { name: 'fetch', description: 'Fetches a page' } }],
      user: 'u-1',
    };
    const seen: [string, string][] = [];
    visitRequestTexts(body, (text, role) => (seen.push([role, text]), text));
    expect(seen).toEqual([
      ['system', 'sys'],
      ['user', 'ask'],
      ['user', 'alice'],
      ['assistant', 'c1'],
      ['assistant', 'function'],
      ['assistant', 'fetch'],
      ['assistant', '{"u":1}'],
      ['tool', 'c1'],
      ['tool', 'page text'],
      // Free-form objects: keys are text too.
      ['field', 'type'],
      ['field', 'function'],
      ['field', 'function'],
      ['field', 'name'],
      ['field', 'fetch'],
      ['field', 'description'],
      ['field', 'Fetches a page'],
      ['field', 'u-1'],
    ]);
  });
});

describe('chat response fields', () => {
  const policy = new PolicyCompiler().compile({
    project_id: 'p',
    policy_id: 'pol',
    revision: 1,
    rollout_mode: 'enforce',
    canary_percent: 100,
    config: {
      version: 1,
      rules: [{ id: 'deny', category: 'denylist.t', target: 'output', action: 'redact', terms: [CANARY] }],
    },
    activated_at: new Date().toISOString(),
  });

  it('documents each response field as scanned, dropped or not text', () => {
    expect(CHAT_RESPONSE_FIELDS.length).toBeGreaterThan(5);
    for (const entry of CHAT_RESPONSE_FIELDS)
      expect(['scanned', 'dropped', 'not-text']).toContain(entry.handling);
  });

  it('redacts every string of a whole message, drops logprobs and unscannable objects', () => {
    const completion = {
      choices: [
        {
          message: {
            role: 'assistant',
            content: CANARY,
            refusal: CANARY,
            reasoning_content: CANARY,
            brand_new_text: CANARY,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: CANARY } }],
            function_call: { name: 'f', arguments: CANARY },
            annotations: [{ url_citation: { title: CANARY } }],
          },
          logprobs: { content: [{ token: CANARY, top_logprobs: [{ token: CANARY }] }] },
        },
      ],
    };
    const { outcome } = applyOutputPolicy(completion, policy, 'k');
    expect(outcome.decision).toBe('redact');
    expect(JSON.stringify(completion)).not.toContain(CANARY);
    expect(completion.choices[0].message.tool_calls[0].id).toBe('c');
  });

  /**
   * The property: whatever the chunking and whichever fields carry it, no redacted span can be put back
   * together from the stream the client gets, field by field (each field's deltas concatenated) or as a
   * whole (every byte of the output).
   */
  it('never lets a redacted span be reassembled from any streamed field, however the upstream splits it', () => {
    const fields = ['content', 'refusal', 'reasoning_content', 'tool', 'function_call'] as const;
    const piece = fc.record({
      field: fc.constantFrom(...fields),
      text: fc.oneof(fc.constant(CANARY), fc.string({ maxLength: 6 })),
    });
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (pieces, split) => {
          const deltas = pieces.flatMap(({ field, text }) => {
            // Each text is cut into `split`-character deltas (a canary across several events).
            const out: Record<string, unknown>[] = [];
            for (let i = 0; i < text.length; i += split) {
              const part = text.slice(i, i + split);
              if (field === 'tool') out.push({ tool_calls: [{ index: 0, function: { arguments: part } }] });
              else if (field === 'function_call') out.push({ function_call: { arguments: part } });
              else out.push({ [field]: part });
            }
            return out;
          });
          const events = deltas.map(
            (delta, i) =>
              `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: null, logprobs: { content: [{ token: CANARY }] } }], i })}\n\n`,
          );
          let out = '';
          const redaction = new StreamingRedaction(
            policy as CompiledPolicy,
            'k',
            false,
            (sse) => (out += sse),
          );
          for (const event of [...events, 'data: [DONE]\n\n']) redaction.write(event);
          redaction.end();
          expect(out).not.toContain(CANARY);
          const perField = new Map<string, string>();
          for (const line of out.split('\n\n')) {
            if (!line.startsWith('data: {')) continue;
            const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: Record<string, unknown> }[] };
            const delta = chunk.choices?.[0]?.delta ?? {};
            for (const [key, value] of Object.entries(delta)) {
              const text =
                key === 'tool_calls'
                  ? (value as { function?: { arguments?: string } }[])
                      .map((c) => c.function?.arguments ?? '')
                      .join('')
                  : key === 'function_call'
                    ? ((value as { arguments?: string }).arguments ?? '')
                    : typeof value === 'string'
                      ? value
                      : '';
              perField.set(key, (perField.get(key) ?? '') + text);
            }
          }
          for (const [field, text] of perField)
            expect({ field, leaked: text.includes(CANARY) }).toEqual({ field, leaked: false });
        },
      ),
      { numRuns: 300 },
    );
  });
});
