import { consecutiveTopicRuns } from './transactional-outbox';

describe('consecutiveTopicRuns', () => {
  it('batches consecutive messages per topic and keeps the global order', () => {
    const message = (id: number, topic: string) => ({
      id: String(id),
      topic,
      key: `k${id}`,
      value: `v${id}`,
    });
    expect(
      consecutiveTopicRuns([message(1, 'a'), message(2, 'a'), message(3, 'b'), message(4, 'a')]),
    ).toEqual([
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
