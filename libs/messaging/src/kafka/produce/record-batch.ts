import { crc32c } from './crc32c';

/**
 * A Kafka record batch (magic 2, uncompressed, no producer id) written record by record as messages are
 * published: the value strings go straight into the batch's bytes and can be collected young, instead of
 * waiting in a queue and being encoded (and copied several times) when the batch is sent.
 *
 * Layout (https://kafka.apache.org/documentation/#recordbatch): baseOffset int64, batchLength int32,
 * partitionLeaderEpoch int32, magic int8, crc uint32 (CRC-32C of attributes..end), attributes int16,
 * lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId int64, producerEpoch int16,
 * baseSequence int32, records int32, then each record: length varint, attributes int8, timestampDelta
 * varlong, offsetDelta varint, key (varint length, -1 = null), value (likewise), headers varint (0).
 */
const HEADER_BYTES = 61;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;

export interface BatchRecord {
  key: string | null;
  value: string | null;
  timestamp: number;
}

export class RecordBatchWriter {
  private buffer: Buffer;
  private length = HEADER_BYTES;
  private records = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, HEADER_BYTES));
  }

  get count(): number {
    return this.records;
  }

  get byteLength(): number {
    return this.length;
  }

  append(key: string | null, value: string | null, timestamp: number): void {
    if (this.records === 0) this.baseTimestamp = this.maxTimestamp = timestamp;
    else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    const keyBytes = key === null ? -1 : Buffer.byteLength(key);
    const valueBytes = value === null ? -1 : Buffer.byteLength(value);
    const timestampDelta = timestamp - this.baseTimestamp;
    const bodyLength =
      1 +
      varintSize(timestampDelta) +
      varintSize(this.records) +
      varintSize(keyBytes) +
      Math.max(keyBytes, 0) +
      varintSize(valueBytes) +
      Math.max(valueBytes, 0) +
      1;
    this.reserve(varintSize(bodyLength) + bodyLength);
    const buffer = this.buffer;
    let at = writeVarint(buffer, this.length, bodyLength);
    buffer[at++] = 0; // attributes
    at = writeVarint(buffer, at, timestampDelta);
    at = writeVarint(buffer, at, this.records);
    at = writeVarint(buffer, at, keyBytes);
    if (key !== null) at += buffer.write(key, at, keyBytes, 'utf8');
    at = writeVarint(buffer, at, valueBytes);
    if (value !== null) at += buffer.write(value, at, valueBytes, 'utf8');
    buffer[at++] = 0; // no headers
    this.length = at;
    this.records++;
  }

  /** The finished batch's bytes (a view of this writer's buffer: append nothing afterwards). */
  finish(): Buffer {
    const buffer = this.buffer;
    writeInt64(buffer, 0, 0); // baseOffset: the broker assigns offsets
    buffer.writeInt32BE(this.length - 12, 8);
    buffer.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
    buffer[16] = 2; // magic
    buffer.writeInt16BE(0, ATTRIBUTES_OFFSET); // no compression, create time, not transactional
    buffer.writeInt32BE(this.records - 1, 23);
    writeInt64(buffer, 27, this.baseTimestamp);
    writeInt64(buffer, 35, this.maxTimestamp);
    writeInt64(buffer, 43, -1); // producerId: none (not idempotent)
    buffer.writeInt16BE(-1, 51);
    buffer.writeInt32BE(-1, 53);
    buffer.writeInt32BE(this.records, 57);
    buffer.writeUInt32BE(crc32c(buffer, ATTRIBUTES_OFFSET, this.length), CRC_OFFSET);
    return buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** The records of a batch written by RecordBatchWriter (what a failed send spills). */
export function readRecords(batch: Uint8Array): BatchRecord[] {
  const buffer = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
  const baseTimestamp = readInt64(buffer, 27);
  const count = buffer.readInt32BE(57);
  const records: BatchRecord[] = [];
  const cursor = { at: HEADER_BYTES };
  for (let i = 0; i < count; i++) {
    readVarint(buffer, cursor); // record length
    cursor.at++; // attributes
    const timestamp = baseTimestamp + readVarint(buffer, cursor);
    readVarint(buffer, cursor); // offset delta
    const key = readBytes(buffer, cursor);
    const value = readBytes(buffer, cursor);
    const headers = readVarint(buffer, cursor);
    if (headers !== 0) throw new Error('record headers are not written by RecordBatchWriter');
    records.push({ key, value, timestamp });
  }
  return records;
}

/** Zig-zag varint (Kafka's varint and varlong) for integers within ±2^52. */
function varintSize(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    size++;
  }
  return size;
}

function writeVarint(buffer: Buffer, at: number, value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zigzag >= 128) {
    buffer[at++] = (zigzag % 128) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  buffer[at++] = zigzag;
  return at;
}

function readVarint(buffer: Buffer, cursor: { at: number }): number {
  let zigzag = 0;
  let scale = 1;
  for (;;) {
    const byte = buffer[cursor.at++];
    zigzag += (byte & 0x7f) * scale;
    if (byte < 128) break;
    scale *= 128;
  }
  return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
}

function readBytes(buffer: Buffer, cursor: { at: number }): string | null {
  const length = readVarint(buffer, cursor);
  if (length < 0) return null;
  const text = buffer.toString('utf8', cursor.at, cursor.at + length);
  cursor.at += length;
  return text;
}

function writeInt64(buffer: Buffer, at: number, value: number): void {
  buffer.writeInt32BE(Math.floor(value / 0x1_0000_0000), at);
  buffer.writeUInt32BE(value >>> 0, at + 4);
}

function readInt64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * 0x1_0000_0000 + buffer.readUInt32BE(at + 4);
}
