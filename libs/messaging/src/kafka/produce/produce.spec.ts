import { randomBytes } from 'node:crypto';
import { crc32c } from './crc32c';
import { murmur2, partitionForKey } from './murmur2';
import { decodeProduceResponse, encodeProduceRequest } from './produce-protocol';
import { readRecords, RecordBatchWriter } from './record-batch';

// kafkajs's own implementations, as the reference our producer must agree with.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer,
) => number;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkajsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{ records: { key: Buffer | null; value: Buffer | null; timestamp: string; offset: string }[] }>;

describe('crc32c', () => {
  it('gives the standard check value and agrees with kafkajs on random buffers', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let length = 0; length < 300; length += 7) {
      const bytes = randomBytes(length);
      expect(crc32c(bytes)).toBe(kafkajsCrc32c(bytes) >>> 0);
    }
  });
});

describe('murmur2 partitioning', () => {
  it('agrees with kafkajs (the Java client) for keys of every length mod 4', () => {
    for (let i = 0; i < 2_000; i++) {
      const key = randomBytes(i % 41);
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      expect(partitionForKey(key, 3)).toBe((kafkajsMurmur2(key) & 0x7fffffff) % 3);
    }
    const project = Buffer.from('prj_01JEXAMPLE');
    expect(murmur2(project)).toBe(kafkajsMurmur2(project));
  });
});

describe('RecordBatchWriter', () => {
  const sample = [
    { key: 'prj_a', value: '{"type":"decision"}', timestamp: 1_764_650_000_000 },
    { key: null, value: 'ünïcödé ✓ 🚀', timestamp: 1_764_650_000_250 },
    { key: 'prj_b', value: null, timestamp: 1_764_649_999_990 }, // the clock stepped back: negative delta
    { key: 'k'.repeat(300), value: 'v'.repeat(70_000), timestamp: 1_764_650_000_001 }, // grows the buffer
  ];

  it('reads back what was written, nulls, non-ASCII text and a negative timestamp delta included', () => {
    const writer = new RecordBatchWriter(128);
    for (const { key, value, timestamp } of sample) writer.append(key, value, timestamp);
    expect(writer.count).toBe(sample.length);
    expect(readRecords(writer.finish())).toEqual(sample);
  });

  it('writes a batch that kafkajs decodes, with a CRC-32C over attributes..end', async () => {
    const writer = new RecordBatchWriter();
    for (const { key, value, timestamp } of sample) writer.append(key, value, timestamp);
    const batch = writer.finish();
    expect(batch.readInt8(16)).toBe(2); // magic
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch.readUInt32BE(17)).toBe(crc32c(batch.subarray(21)));
    const decoded = await decodeKafkajsBatch(new KafkajsDecoder(batch));
    expect(
      decoded.records.map((r) => ({
        key: r.key?.toString() ?? null,
        value: r.value?.toString() ?? null,
        timestamp: Number(r.timestamp),
      })),
    ).toEqual(sample);
    expect(decoded.records.map((r) => r.offset)).toEqual(['0', '1', '2', '3']);
  });
});

describe('produce protocol v3', () => {
  it('frames a request with its size, api key and version, correlation id and each partition batch', () => {
    const writer = new RecordBatchWriter();
    writer.append('k', 'v', 1);
    const batch = writer.finish();
    const frame = encodeProduceRequest(42, 'pgw-test', -1, 5_000, [
      { topic: 'pgw.usage.v1', partitions: [{ partition: 2, batch }] },
    ]);
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    expect([frame.readInt16BE(4), frame.readInt16BE(6), frame.readInt32BE(8)]).toEqual([0, 3, 42]);
    expect(frame.subarray(frame.length - batch.length).equals(batch)).toBe(true);
    expect(frame.readInt32BE(frame.length - batch.length - 4)).toBe(batch.length);
    expect(frame.readInt32BE(frame.length - batch.length - 8)).toBe(2);
  });

  it('reads each partition error code from a response', () => {
    const topic = Buffer.from('pgw.usage.v1');
    const body = Buffer.alloc(4 + 2 + topic.length + 4 + 2 * (4 + 2 + 8 + 8) + 4);
    let at = body.writeInt32BE(1, 0);
    at = body.writeInt16BE(topic.length, at);
    at += topic.copy(body, at);
    at = body.writeInt32BE(2, at);
    at = body.writeInt32BE(0, at);
    at = body.writeInt16BE(0, at) + 16;
    at = body.writeInt32BE(1, at);
    body.writeInt16BE(6, at); // NOT_LEADER_OR_FOLLOWER
    expect(decodeProduceResponse(body)).toEqual([
      { topic: 'pgw.usage.v1', partition: 0, errorCode: 0 },
      { topic: 'pgw.usage.v1', partition: 1, errorCode: 6 },
    ]);
  });
});
