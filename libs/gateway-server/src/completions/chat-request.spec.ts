import { GatewayError } from '../errors/gateway-error';
import { forEachPromptText, parseChatRequest } from './chat-request';

function paramOf(body: unknown): string | null {
  try {
    parseChatRequest(body);
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    return (error as GatewayError).param;
  }
}

describe('parseChatRequest', () => {
  const ok = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

  it('names the offending param', () => {
    expect(paramOf({ messages: ok.messages })).toBe('model');
    expect(paramOf({ model: 'm', messages: [] })).toBe('messages');
    expect(paramOf({ model: 'm', messages: 'hi' })).toBe('messages');
    expect(paramOf({ model: 'm', messages: [{ content: 'x' }] })).toBe('messages[0].role');
    expect(paramOf({ model: 'm', messages: [ok.messages[0], { role: 'user', content: 5 }] })).toBe(
      'messages[1].content',
    );
    expect(paramOf({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] })).toBe(
      'messages[0].content[0].text',
    );
    expect(paramOf({ ...ok, stream: 'yes' })).toBe('stream');
    expect(paramOf({ ...ok, user: 42 })).toBe('user');
    expect(paramOf([ok])).toBeNull();
  });

  it('accepts tool-calling assistant turns and image parts, and keeps unknown params', () => {
    const request = parseChatRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: 'result' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: 'json_object' },
      max_tokens: 50,
      user: 'u1',
    });
    expect(request).toMatchObject({ stream: true, includeUsage: true, maxTokens: 50, user: 'u1' });
    expect(request.body.response_format).toEqual({ type: 'json_object' });
  });

  it('visits and replaces every prompt text, string contents and text parts alike', () => {
    const messages: Record<string, unknown>[] = [
      { role: 'system', content: 'a' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'bb' },
          { type: 'image_url', image_url: { url: 'u' } },
        ],
      },
    ];
    const chars = forEachPromptText(messages, (text) => text.toUpperCase());
    expect(chars).toBe(3);
    expect(messages).toEqual([
      { role: 'system', content: 'A' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'BB' },
          { type: 'image_url', image_url: { url: 'u' } },
        ],
      },
    ]);
  });
});
