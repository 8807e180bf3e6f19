import { createEnvelope, USAGE_EVENT_TYPE, uuidv7 } from '@pgw/contracts';
import { decodeUsageEvent } from './usage-event.decoder';

const payload = {
  request_id: 'r1',
  key_id: 'k1',
  model: 'm',
  input_tokens: 1,
  output_tokens: 2,
  total_tokens: 3,
  usage_estimated: false,
  streamed: true,
  status: 'cancelled',
  http_status: 499,
  error_code: null,
  started_at: '2026-05-01T00:00:00.000Z',
  finished_at: '2026-05-01T00:00:01.000Z',
};
const horizon = new Date('2026-04-01T00:00:00Z');
const encode = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('decodeUsageEvent', () => {
  it('accepts a valid v1 usage event', () => {
    const envelope = createEnvelope(USAGE_EVENT_TYPE, 1, 'p1', payload, uuidv7());
    expect(decodeUsageEvent(encode(envelope), horizon)).toEqual({ ok: true, value: envelope });
  });

  it.each([
    ['no value', null, 'message has no value'],
    ['not JSON', Buffer.from('{'), 'message is not valid JSON'],
    [
      'another version',
      encode(createEnvelope(USAGE_EVENT_TYPE, 2, 'p1', payload)),
      'envelope.schema_version 2 is not supported',
    ],
    [
      'a NUL in the request id (Postgres text cannot hold it)',
      encode(createEnvelope(USAGE_EVENT_TYPE, 1, 'p1', { ...payload, request_id: 'r\u00001' })),
      'payload.request_id must match',
    ],
    [
      'a NUL in the project id',
      encode(createEnvelope(USAGE_EVENT_TYPE, 1, 'p\u00001', payload)),
      'envelope.project_id must match',
    ],
    [
      'a text field',
      encode(createEnvelope(USAGE_EVENT_TYPE, 1, 'p1', { ...payload, prompt: 'x' })),
      'payload.prompt is not an allowed field',
    ],
    [
      'negative tokens',
      encode(createEnvelope(USAGE_EVENT_TYPE, 1, 'p1', { ...payload, total_tokens: -1 })),
      'payload.total_tokens must be a non-negative integer',
    ],
    [
      'an old start',
      encode(createEnvelope(USAGE_EVENT_TYPE, 1, 'p1', { ...payload, started_at: '2026-03-31T23:59:59Z' })),
      'before the raw retention horizon',
    ],
  ])('refuses %s with a reason', (_label, raw, reason) => {
    const result = decodeUsageEvent(raw, horizon);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});
