import { GatewayError } from '../errors/gateway-error';
import { boundChatRequestTokens, FILE_REFERENCE_TOKENS } from './cost-estimate';
import { UNKNOWN_MODEL } from './model-token-limits';

function bound(body: Record<string, unknown>, model = String(body.model)) {
  const raw = JSON.stringify(body);
  return { raw: Buffer.byteLength(raw), ...boundChatRequestTokens(body, Buffer.byteLength(raw), model) };
}

const text = (content: unknown) => ({ model: 'gpt-4o', messages: [{ role: 'user', content }] });

describe('boundChatRequestTokens', () => {
  it('bounds the prompt by its bytes (every token is at least one byte) and the output by max_tokens', () => {
    const b = bound({ ...text('héllo wörld, 東京'), max_tokens: 50 });
    expect(b.inputTokens).toBeGreaterThanOrEqual(b.raw);
    expect(b.outputTokens).toBe(50);
    expect(b.totalTokens).toBe(b.inputTokens + 50);
  });

  it('multiplies the output by n (each choice is billed) but not the prompt', () => {
    const one = bound({ ...text('hi'), max_tokens: 1 });
    const many = bound({ ...text('hi'), max_tokens: 1, n: 128 });
    expect(many.n).toBe(128);
    expect(many.outputTokens).toBe(128);
    expect(many.inputTokens - one.inputTokens).toBe(many.raw - one.raw);
  });

  it("uses the model's largest output without a cap, and the larger cap when both are given", () => {
    expect(bound(text('hi')).outputTokens).toBe(16_384);
    expect(bound({ ...text('hi'), model: 'gpt-4.1-2025-04-14' }).outputTokens).toBe(32_768);
    expect(bound({ ...text('hi'), model: 'acme-llm' }).outputTokens).toBe(UNKNOWN_MODEL.maxOutputTokens);
    expect(bound({ ...text('hi'), max_tokens: 10, max_completion_tokens: 40 }).outputTokens).toBe(40);
    // A cap the upstream would reject bounds nothing: the model's largest output applies.
    expect(bound({ ...text('hi'), max_tokens: -5 }).outputTokens).toBe(16_384);
    expect(bound({ ...text('hi'), max_tokens: '9' }).outputTokens).toBe(16_384);
  });

  it("counts the route's upstream model, not the name the client used", () => {
    expect(boundChatRequestTokens(text('hi'), 60, 'gpt-4-turbo').outputTokens).toBe(4_096);
  });

  it.each([0, 129, 2.5, '3', true])('refuses n = %p with 400 naming n', (n) => {
    const error = (() => {
      try {
        return bound({ ...text('hi'), n });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, param: 'n' });
  });

  it("prices images by OpenAI's documented tiles instead of their base64 bytes", () => {
    const image = (model: string, detail?: string) =>
      bound({
        model,
        max_tokens: 1,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'image_url',
                image_url: { url: `data:image/png;base64,${'A'.repeat(40_000)}`, detail },
              },
            ],
          },
        ],
      });
    const none = bound({ model: 'gpt-4o', max_tokens: 1, messages: [{ role: 'user', content: [] }] });
    const urlLength = 'data:image/png;base64,'.length + 40_000;
    // What the image adds beyond the bytes of its JSON framing (its base64 bytes are not counted).
    const tokens = (model: string, detail?: string) => {
      const b = image(model, detail);
      const framing = b.raw - none.raw - urlLength;
      expect(framing).toBeLessThan(120);
      return b.inputTokens - none.inputTokens - framing;
    };
    expect(tokens('gpt-4o', 'low')).toBe(85);
    expect(tokens('gpt-4o', 'high')).toBe(85 + 8 * 170);
    expect(tokens('gpt-4o')).toBe(85 + 8 * 170);
    expect(tokens('gpt-4o-mini', 'high')).toBe(2_833 + 8 * 5_667);
    expect(tokens('gpt-4.1-mini', 'low')).toBe(Math.ceil(1_536 * 1.62));
    expect(tokens('some-other-vlm')).toBe(UNKNOWN_MODEL.image.base);
  });

  it('counts tool definitions, tool calls and structured output schemas (they are in the body)', () => {
    const tools = [
      { type: 'function', function: { name: 'lookup', description: 'x'.repeat(5_000), parameters: {} } },
    ];
    expect(bound({ ...text('hi'), tools }).inputTokens).toBeGreaterThan(5_000);
    const schema = {
      type: 'json_schema',
      json_schema: { name: 's', schema: { description: 'y'.repeat(3_000) } },
    };
    expect(bound({ ...text('hi'), response_format: schema }).inputTokens).toBeGreaterThan(3_000);
  });

  it('assumes a fixed size for a file sent by id, and counts inline files and audio by their data', () => {
    const file = (part: unknown) => bound({ model: 'gpt-4o', messages: [{ role: 'user', content: [part] }] });
    expect(file({ type: 'file', file: { file_id: 'file-1' } }).inputTokens).toBeGreaterThan(
      FILE_REFERENCE_TOKENS,
    );
    const inline = file({ type: 'file', file: { file_data: 'B'.repeat(9_000), filename: 'a.pdf' } });
    expect(inline.inputTokens).toBeGreaterThan(9_000);
    const audio = file({ type: 'input_audio', input_audio: { data: 'C'.repeat(40_000), format: 'wav' } });
    expect(audio.inputTokens).toBeLessThan(audio.raw);
    expect(audio.inputTokens).toBeGreaterThan(audio.raw - 40_000 + 30_000 / 40 - 1);
  });

  it('never returns more than a safe integer', () => {
    expect(bound({ ...text('hi'), max_tokens: Number.MAX_SAFE_INTEGER, n: 128 }).totalTokens).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });
});
