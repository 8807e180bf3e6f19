import { createServer, type Server } from 'node:net';
import { RecordBatchProducer, type ClusterMetadata } from './record-batch-producer';

/** Produce response body (v3) for one topic: partition → error code. */
function produceResponse(correlationId: number, topic: string, errors: Map<number, number>): Buffer {
  const name = Buffer.from(topic);
  const size = 4 + 4 + 2 + name.length + 4 + errors.size * 22 + 4;
  const frame = Buffer.alloc(4 + size);
  let at = frame.writeInt32BE(size, 0);
  at = frame.writeInt32BE(correlationId, at);
  at = frame.writeInt32BE(1, at);
  at = frame.writeInt16BE(name.length, at);
  at += name.copy(frame, at);
  at = frame.writeInt32BE(errors.size, at);
  for (const [partition, code] of errors) {
    at = frame.writeInt32BE(partition, at);
    at = frame.writeInt16BE(code, at) + 16;
  }
  return frame;
}

/** A stand-in broker: answers every produce request with `errorFor(partition)` for partitions 0-2. */
async function fakeBroker(errorFor: (partition: number) => number) {
  const requests: number[] = [];
  const server: Server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const correlationId = pending.readInt32BE(8);
        pending = pending.subarray(4 + pending.readInt32BE(0));
        requests.push(correlationId);
        socket.write(
          produceResponse(correlationId, 'events', new Map([0, 1, 2].map((p) => [p, errorFor(p)]))),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, requests };
}

describe('RecordBatchProducer', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  const producerFor = async (errorFor: (partition: number) => number) => {
    const broker = await fakeBroker(errorFor);
    servers.push(broker.server);
    const metadataCalls: string[][] = [];
    const metadata = async (topics: string[]): Promise<ClusterMetadata> => {
      metadataCalls.push(topics);
      return {
        brokers: new Map([[1, { host: '127.0.0.1', port: broker.port }]]),
        leaders: new Map([['events', [1, 1, 1]]]),
      };
    };
    const producer = new RecordBatchProducer({ clientId: 'unit', metadata, timeoutMs: 2_000 });
    return { producer, broker, metadataCalls };
  };

  it('sends what was appended in one request and keeps later appends for the next batch', async () => {
    const { producer, broker } = await producerFor(() => 0);
    expect(producer.knows('events')).toBe(false);
    await producer.loadMetadata(['events']);
    for (let i = 0; i < 30; i++) producer.append('events', `key-${i % 5}`, `value-${i}`);
    const batches = producer.takeOpen();
    producer.append('events', 'key-0', 'later');
    expect([batches.count, producer.pending]).toEqual([30, 1]);
    await producer.send(batches);
    expect(broker.requests).toHaveLength(1);
    // What a failed send would spill: every message, in publish order within its partition.
    const back = batches.messages();
    expect(back.map((m) => m.value).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `value-${i}`).sort(),
    );
    for (let k = 0; k < 5; k++) {
      const ofKey = back.filter((m) => m.key === `key-${k}`).map((m) => Number(m.value!.split('-')[1]));
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
    producer.close();
  });

  it('refreshes the metadata and retries on a partition error, then throws so the caller keeps the messages', async () => {
    const { producer, broker, metadataCalls } = await producerFor((partition) => (partition === 1 ? 6 : 0));
    const batches = await producer.batchesOf(
      Array.from({ length: 20 }, (_, i) => ({ topic: 'events', key: `k${i}`, value: `v${i}` })),
    );
    await expect(producer.send(batches, 2)).rejects.toThrow(/events\[1\]: error 6/);
    expect(broker.requests).toHaveLength(2);
    expect(metadataCalls).toHaveLength(2); // the first load, and the refresh before the retry
    expect(batches.messages()).toHaveLength(20);
    producer.close();
  });

  it('splits a partition batch over several requests past maxBatchBytes, in order', async () => {
    const broker = await fakeBroker(() => 0);
    servers.push(broker.server);
    const producer = new RecordBatchProducer({
      clientId: 'unit',
      timeoutMs: 2_000,
      maxBatchBytes: 4_096,
      metadata: async () => ({
        brokers: new Map([[1, { host: '127.0.0.1', port: broker.port }]]),
        leaders: new Map([['events', [1, 1, 1]]]),
      }),
    });
    await producer.loadMetadata(['events']);
    for (let i = 0; i < 40; i++) producer.append('events', 'one-key', `${i}:${'x'.repeat(500)}`);
    const batches = producer.takeOpen();
    await producer.send(batches);
    expect(broker.requests.length).toBeGreaterThanOrEqual(5); // ~20 KB in batches of at most 4 KB
    expect(batches.messages().map((m) => Number(m.value!.split(':')[0]))).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    producer.close();
  });
});
