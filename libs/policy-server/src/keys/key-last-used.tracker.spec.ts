import { TOPICS } from '@pgw/contracts';
import type { IncomingMessage } from '@pgw/messaging';
import { usageEvent } from '@pgw/testing';
import { latestUseByKey } from './key-last-used.tracker';

function usageMessage(keyId: string, startedAt: string, offset: number): IncomingMessage {
  const envelope = usageEvent('prj_1', {
    request_id: `req-${offset}`,
    key_id: keyId,
    input_tokens: 1,
    output_tokens: 1,
    started_at: startedAt,
    finished_at: startedAt,
  });
  return raw(JSON.stringify(envelope), offset);
}

function raw(value: string | null, offset: number): IncomingMessage {
  return {
    topic: TOPICS.usage,
    partition: 0,
    offset: String(offset),
    key: 'prj_1',
    value: value === null ? null : Buffer.from(value),
  };
}

describe('latestUseByKey', () => {
  it('keeps the newest start time per key, whatever the order in the batch', () => {
    const latest = latestUseByKey([
      usageMessage('k1', '2026-11-28T10:00:05.000Z', 1),
      usageMessage('k2', '2026-11-28T09:00:00.000Z', 2),
      usageMessage('k1', '2026-11-28T10:00:01.000Z', 3),
    ]);
    expect(Object.fromEntries(latest)).toEqual({
      k1: '2026-11-28T10:00:05.000Z',
      k2: '2026-11-28T09:00:00.000Z',
    });
  });

  it('skips messages that are not valid usage events', () => {
    const latest = latestUseByKey([
      raw('not json', 1),
      raw(null, 2),
      raw(JSON.stringify({ type: 'usage.recorded', payload: { key_id: 'k9' } }), 3),
      usageMessage('k1', '2026-11-28T10:00:00.000Z', 4),
    ]);
    expect([...latest.keys()]).toEqual(['k1']);
  });
});
