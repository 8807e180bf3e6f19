import type { CompiledPolicy, PolicyOutcome, TextRedactor } from '../policy/policy-port';
import { StreamingRedaction } from './streaming-redaction';

/** A stand-in policy: masks SECRET, blocks BOOM, holds back 5 characters (the longest match - 1). */
function stubPolicy(enforced = true): CompiledPolicy {
  const outcomeOf = (text: string): PolicyOutcome => ({
    decision: text.includes('BOOM') ? 'block' : text.includes('SECRET') ? 'redact' : 'allow',
    reasonCode: text.includes('BOOM')
      ? 'denylist_match'
      : text.includes('SECRET')
        ? 'secret_detected'
        : 'allowed',
    categories: text.includes('SECRET') ? ['secret.test'] : [],
    allowlistHits: 0,
    denylistHits: text.includes('BOOM') ? 1 : 0,
    enforced,
  });
  return {
    policyId: 'pol',
    rolloutMode: enforced ? 'enforce' : 'shadow',
    outputAlterable: () => enforced,
    mediaOutcome: () => null,
    evaluate: (segments) => ({
      outcome: outcomeOf(segments.map((s) => s.text).join('\n')),
      texts: segments.map(({ text }) => (enforced ? text.replace(/SECRET/g, '[X]') : text)),
    }),
    streamRedactor: (): TextRedactor => {
      let held = '';
      let seen = '';
      let blocked = false;
      // Masks complete matches, then keeps back the longest tail that could still become one.
      const release = (final: boolean) => {
        if (enforced && held.includes('BOOM')) {
          blocked = true;
          return '';
        }
        const masked = enforced ? held.replace(/SECRET/g, '[X]') : held;
        let keep = 0;
        if (!final) {
          for (let n = Math.min(5, masked.length); n > 0; n--) {
            const tail = masked.slice(masked.length - n);
            if ('SECRET'.startsWith(tail) || 'BOOM'.startsWith(tail)) {
              keep = n;
              break;
            }
          }
        }
        held = masked.slice(masked.length - keep);
        return masked.slice(0, masked.length - keep);
      };
      return {
        push: (text) => ((seen += text), (held += text), release(false)),
        end: () => release(true),
        get blocked() {
          return blocked;
        },
        outcome: () => outcomeOf(seen),
      };
    },
  };
}

const chunk = (delta: object, finish: string | null = null, index = 0) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index, delta, finish_reason: finish }] })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })}\n\n`;

function run(
  upstream: string,
  options: { policy?: CompiledPolicy | null; includeUsage?: boolean; splitEvery?: number } = {},
) {
  const out: string[] = [];
  const filter = new StreamingRedaction(
    options.policy === undefined ? stubPolicy() : options.policy,
    'user-1',
    options.includeUsage ?? false,
    (s) => out.push(s),
  );
  const step = options.splitEvery ?? upstream.length;
  for (let i = 0; i < upstream.length && filter.write(upstream.slice(i, i + step)); i += step);
  filter.end();
  const events = out
    .join('')
    .split('\n\n')
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ''));
  const chunks = events.filter((e) => e !== '[DONE]').map((e) => JSON.parse(e));
  const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  return { filter, events, chunks, text };
}

describe('StreamingRedaction', () => {
  const upstream =
    chunk({ role: 'assistant', content: '' }) +
    chunk({ content: 'key: SEC' }) +
    chunk({ content: 'RET and more' }) +
    chunk({}, 'stop') +
    usageChunk +
    'data: [DONE]\n\n';

  it('masks a secret split across chunks, whatever the byte boundaries', () => {
    for (const splitEvery of [1, 3, 7, 50, 10_000]) {
      const { text, events } = run(upstream, { splitEvery });
      expect(text).toBe('key: [X] and more');
      expect(events.at(-1)).toBe('[DONE]');
    }
  });

  it('strips the usage chunk unless the client asked for it, and records usage either way', () => {
    const hidden = run(upstream);
    expect(hidden.chunks.some((c) => c.usage)).toBe(false);
    expect(hidden.filter.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    const shown = run(upstream, { includeUsage: true });
    expect(shown.chunks.filter((c) => c.usage)).toHaveLength(1);
  });

  it('accepts CRLF line endings', () => {
    expect(run(upstream.replace(/\n/g, '\r\n')).text).toBe('key: [X] and more');
  });

  it('ends a blocked stream with finish_reason content_filter and [DONE], releasing nothing of the match', () => {
    const blocked = run(
      chunk({ role: 'assistant', content: '' }) +
        chunk({ content: 'hello BO' }) +
        chunk({ content: 'OM tail' }) +
        chunk({}, 'stop'),
    );
    expect(blocked.filter.blocked).toBe(true);
    expect(blocked.text).not.toContain('BOOM');
    expect(blocked.chunks.at(-1).choices[0].finish_reason).toBe('content_filter');
    expect(blocked.events.at(-1)).toBe('[DONE]');
    expect(blocked.filter.outcome().decision).toBe('block');
  });

  it('redacts tool-call arguments per tool call', () => {
    const { chunks } = run(
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: 'f', arguments: '' } }],
      }) +
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"k":"SEC' } }] }) +
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'RET"}' } }] }) +
        chunk({}, 'tool_calls'),
    );
    const args = chunks
      .flatMap((c) =>
        c.choices.flatMap(
          (ch: { delta: { tool_calls?: { function?: { arguments?: string } }[] } }) =>
            ch.delta.tool_calls ?? [],
        ),
      )
      .map((t: { function?: { arguments?: string } }) => t.function?.arguments ?? '')
      .join('');
    expect(args).toBe('{"k":"[X]"}');
  });

  it('passes text through untouched when the policy is not enforced (shadow), still deciding', () => {
    const { text, filter } = run(upstream, { policy: stubPolicy(false) });
    expect(text).toBe('key: SECRET and more');
    expect(filter.outcome()).toMatchObject({ decision: 'redact', enforced: false });
  });

  it('without a policy forwards events unchanged and counts output characters', () => {
    const { text, filter } = run(upstream, { policy: null });
    expect(text).toBe('key: SECRET and more');
    expect(filter.outputChars).toBe('key: SECRET and more'.length);
  });

  it('releases held-back text when the provider ends without a finish_reason', () => {
    const { text } = run(chunk({ content: 'abcdefgh' }) + 'data: [DONE]\n\n');
    expect(text).toBe('abcdefgh');
  });
});
