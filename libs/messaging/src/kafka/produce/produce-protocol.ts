/**
 * Produce request and response, version 3 (the oldest Kafka 4 accepts; v4–v7 add nothing a
 * non-transactional producer needs). https://kafka.apache.org/protocol#The_Messages_Produce
 *
 *   Request: size int32, api_key int16 (0), api_version int16, correlation_id int32, client_id string,
 *            transactional_id nullable string, acks int16, timeout_ms int32,
 *            [topic string, [partition int32, records bytes]]
 *   Response: size int32, correlation_id int32,
 *            [topic string, [partition int32, error_code int16, base_offset int64, log_append_time int64]],
 *            throttle_time_ms int32
 */
const PRODUCE_API_KEY = 0;
const PRODUCE_API_VERSION = 3;

export interface PartitionBatch {
  partition: number;
  /** One record batch (RecordBatchWriter.finish()). */
  batch: Buffer;
}

export interface TopicBatches {
  topic: string;
  partitions: PartitionBatch[];
}

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
}

export function encodeProduceRequest(
  correlationId: number,
  clientId: string,
  acks: number,
  timeoutMs: number,
  topics: TopicBatches[],
): Buffer {
  let size = 4 + 2 + 2 + 4 + 2 + Buffer.byteLength(clientId) + 2 + 2 + 4 + 4;
  for (const { topic, partitions } of topics) {
    size += 2 + Buffer.byteLength(topic) + 4;
    for (const { batch } of partitions) size += 4 + 4 + batch.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(size - 4, 0);
  at = out.writeInt16BE(PRODUCE_API_KEY, at);
  at = out.writeInt16BE(PRODUCE_API_VERSION, at);
  at = out.writeInt32BE(correlationId, at);
  at = writeString(out, at, clientId);
  at = out.writeInt16BE(-1, at); // no transactional id
  at = out.writeInt16BE(acks, at);
  at = out.writeInt32BE(timeoutMs, at);
  at = out.writeInt32BE(topics.length, at);
  for (const { topic, partitions } of topics) {
    at = writeString(out, at, topic);
    at = out.writeInt32BE(partitions.length, at);
    for (const { partition, batch } of partitions) {
      at = out.writeInt32BE(partition, at);
      at = out.writeInt32BE(batch.length, at);
      at += batch.copy(out, at);
    }
  }
  return out;
}

/** Decodes a produce response body (after the size prefix and correlation id). */
export function decodeProduceResponse(body: Buffer): PartitionResult[] {
  const results: PartitionResult[] = [];
  let at = 0;
  const topics = body.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const nameLength = body.readInt16BE(at);
    const topic = body.toString('utf8', at + 2, at + 2 + nameLength);
    at += 2 + nameLength;
    const partitions = body.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      results.push({ topic, partition: body.readInt32BE(at), errorCode: body.readInt16BE(at + 4) });
      at += 4 + 2 + 8 + 8;
    }
  }
  return results;
}

function writeString(out: Buffer, at: number, text: string): number {
  const length = Buffer.byteLength(text);
  at = out.writeInt16BE(length, at);
  return at + out.write(text, at, length, 'utf8');
}
