import { consecutiveTopicRuns } from './outbox.relay';

describe('consecutiveTopicRuns', () => {
  it('batches consecutive rows per topic and keeps the global order', () => {
    const row = (id: number, topic: string) => ({
      id: String(id),
      topic,
      message_key: `k${id}`,
      message_value: `v${id}`,
    });
    expect(consecutiveTopicRuns([row(1, 'a'), row(2, 'a'), row(3, 'b'), row(4, 'a')])).toEqual([
      {
        topic: 'a',
        messages: [
          { key: 'k1', value: 'v1' },
          { key: 'k2', value: 'v2' },
        ],
      },
      { topic: 'b', messages: [{ key: 'k3', value: 'v3' }] },
      { topic: 'a', messages: [{ key: 'k4', value: 'v4' }] },
    ]);
    expect(consecutiveTopicRuns([])).toEqual([]);
  });
});
