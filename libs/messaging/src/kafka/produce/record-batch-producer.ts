import { BrokerConnection } from './broker-connection';
import { partitionForKey } from './murmur2';
import { decodeProduceResponse, encodeProduceRequest, type TopicBatches } from './produce-protocol';
import { readRecords, RecordBatchWriter } from './record-batch';

export interface ProducedMessage {
  topic: string;
  key: string | null;
  value: string | null;
}

/** Where each partition's leader is; the bus answers it with kafkajs's admin client. */
export interface ClusterMetadata {
  brokers: Map<number, { host: string; port: number }>;
  /** topic → leader node id per partition (index = partition id; -1 while a partition has no leader). */
  leaders: Map<string, number[]>;
}

export type MetadataSource = (topics: string[]) => Promise<ClusterMetadata>;

/** Record batches being filled, one per topic-partition, in publish order within each partition. */
export class PendingBatches {
  /** topic → writer per partition (index = partition id). */
  readonly writers = new Map<string, (RecordBatchWriter | undefined)[]>();
  count = 0;

  append(
    topic: string,
    partition: number,
    key: string | null,
    value: string | null,
    timestamp: number,
  ): void {
    let partitions = this.writers.get(topic);
    if (!partitions) this.writers.set(topic, (partitions = []));
    (partitions[partition] ??= new RecordBatchWriter()).append(key, value, timestamp);
    this.count++;
  }

  *entries(): Generator<{ topic: string; partition: number; writer: RecordBatchWriter }> {
    for (const [topic, partitions] of this.writers) {
      for (let partition = 0; partition < partitions.length; partition++) {
        const writer = partitions[partition];
        if (writer) yield { topic, partition, writer };
      }
    }
  }

  /** The messages back, in order within each partition (what a failed send spills). */
  messages(): ProducedMessage[] {
    const messages: ProducedMessage[] = [];
    for (const { topic, writer } of this.entries()) {
      for (const { key, value } of readRecords(writer.finish())) messages.push({ topic, key, value });
    }
    return messages;
  }
}

export interface RecordBatchProducerOptions {
  clientId: string;
  metadata: MetadataSource;
  /** -1: every in-sync replica (the kafkajs default this replaces). */
  acks?: number;
  timeoutMs?: number;
  /** A partition's batch is sent in more than one request past this size (broker message.max.bytes). */
  maxBatchBytes?: number;
}

/**
 * A produce-only Kafka client for the event bus's hot path. Messages are written into per-partition
 * record batches when they are published (RecordBatchWriter), keyed messages go where the Java client
 * and kafkajs would put them (murmur2), and send() writes one produce request per leader broker.
 * kafkajs's producer encoded every message anew at send time through several intermediate buffers
 * (~90 µs and ~36 KB per request of three events, in one 2-3 ms block per batch); this costs a few
 * microseconds per message and lets the published strings die young.
 * Not idempotent, like the producer it replaces: a retried request may duplicate messages, which the
 * consumers absorb by event id.
 */
export class RecordBatchProducer {
  private metadata: ClusterMetadata | null = null;
  private readonly connections = new Map<number, BrokerConnection>();
  private open = new PendingBatches();
  private correlationId = 0;
  private readonly roundRobin = new Map<string, number>();
  private readonly partitionCache = new Map<string, Map<string, number>>();

  constructor(private readonly options: RecordBatchProducerOptions) {}

  /** True once the topic's partitions are known, so append() can place its messages. */
  knows(topic: string): boolean {
    return this.metadata?.leaders.has(topic) ?? false;
  }

  async loadMetadata(topics: string[]): Promise<void> {
    const known = this.metadata ? [...this.metadata.leaders.keys()] : [];
    this.metadata = await this.options.metadata([...new Set([...known, ...topics])]);
    this.partitionCache.clear();
  }

  /** Appends to the open batches; the topic must be known (knows()). */
  append(topic: string, key: string | null, value: string | null, timestamp = Date.now()): void {
    this.open.append(topic, this.partitionOf(topic, key), key, value, timestamp);
  }

  get pending(): number {
    return this.open.count;
  }

  /** Detaches the open batches: what is appended from now on goes into new ones. */
  takeOpen(): PendingBatches {
    const taken = this.open;
    this.open = new PendingBatches();
    return taken;
  }

  /** Batches for messages that were queued elsewhere (spill replay, publishAndWait). */
  async batchesOf(messages: ProducedMessage[]): Promise<PendingBatches> {
    const unknown = [...new Set(messages.map((m) => m.topic))].filter((topic) => !this.knows(topic));
    if (unknown.length > 0) await this.loadMetadata(unknown);
    const batches = new PendingBatches();
    const now = Date.now();
    for (const { topic, key, value } of messages)
      batches.append(topic, this.partitionOf(topic, key), key, value, now);
    return batches;
  }

  /**
   * Sends the batches: one request per leader broker, acknowledged per acks. A failure (connection,
   * timeout, a partition error such as a moved leader) refreshes the metadata and retries the whole set
   * (attempts in all); if that fails too the error is thrown and the caller keeps the messages (spill file).
   */
  async send(batches: PendingBatches, attempts = 2): Promise<void> {
    if (batches.count === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sendOnce(batches);
        return;
      } catch (error) {
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        await this.loadMetadata([]).catch(() => undefined);
      }
    }
  }

  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  /** Keyed: murmur2 as the Java client and kafkajs; unkeyed: round robin over partitions with a leader. */
  private partitionOf(topic: string, key: string | null): number {
    const leaders = this.metadata?.leaders.get(topic);
    if (!leaders) throw new Error(`no metadata for topic ${topic}`);
    if (key === null) {
      const next = (this.roundRobin.get(topic) ?? 0) + 1;
      this.roundRobin.set(topic, next);
      const available = leaders
        .map((leader, partition) => (leader >= 0 ? partition : -1))
        .filter((p) => p >= 0);
      return available.length > 0 ? available[next % available.length] : next % leaders.length;
    }
    // Keys repeat (project ids): remember their partitions rather than hashing each message.
    let byKey = this.partitionCache.get(topic);
    if (!byKey) this.partitionCache.set(topic, (byKey = new Map()));
    let partition = byKey.get(key);
    if (partition === undefined) {
      partition = partitionForKey(Buffer.from(key), leaders.length);
      if (byKey.size >= 10_000) byKey.clear();
      byKey.set(key, partition);
    }
    return partition;
  }

  private async sendOnce(batches: PendingBatches): Promise<void> {
    const metadata = this.metadata;
    if (!metadata) throw new Error('no cluster metadata');
    const maxBytes = this.options.maxBatchBytes ?? 900 * 1024;
    // One request per leader; a partition's records past maxBytes go in follow-up requests (rounds).
    const rounds: Map<number, TopicBatches[]>[] = [];
    for (const { topic, partition, writer } of batches.entries()) {
      const leader = metadata.leaders.get(topic)?.[partition] ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader))
        throw new Error(`no leader for ${topic}[${partition}]`);
      splitBatch(writer, maxBytes).forEach((batch, round) => {
        const byLeader = (rounds[round] ??= new Map());
        let topics = byLeader.get(leader);
        if (!topics) byLeader.set(leader, (topics = []));
        let entry = topics.find((t) => t.topic === topic);
        if (!entry) topics.push((entry = { topic, partitions: [] }));
        entry.partitions.push({ partition, batch });
      });
    }
    for (const byLeader of rounds) {
      await Promise.all([...byLeader].map(([leader, topics]) => this.produce(leader, topics)));
    }
  }

  private async produce(leader: number, topics: TopicBatches[]): Promise<void> {
    const connection = this.connectionTo(leader);
    const correlationId = (this.correlationId = (this.correlationId + 1) & 0x7fffffff);
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    const frame = encodeProduceRequest(
      correlationId,
      this.options.clientId,
      this.options.acks ?? -1,
      timeoutMs,
      topics,
    );
    const body = await connection.request(frame, correlationId);
    const failed = decodeProduceResponse(body).filter((result) => result.errorCode !== 0);
    if (failed.length > 0) {
      const list = failed.map((f) => `${f.topic}[${f.partition}]: error ${f.errorCode}`).join(', ');
      throw new Error(`produce refused: ${list}`);
    }
  }

  private connectionTo(nodeId: number): BrokerConnection {
    const existing = this.connections.get(nodeId);
    if (existing?.usable) return existing;
    const broker = this.metadata?.brokers.get(nodeId);
    if (!broker) throw new Error(`unknown broker ${nodeId}`);
    const connection = new BrokerConnection(broker.host, broker.port, this.options.timeoutMs ?? 5_000);
    this.connections.set(nodeId, connection);
    return connection;
  }
}

/** The writer's records as one batch, or as several of at most maxBytes each when it grew larger. */
function splitBatch(writer: RecordBatchWriter, maxBytes: number): Buffer[] {
  const whole = writer.finish();
  if (whole.length <= maxBytes) return [whole];
  const parts: Buffer[] = [];
  let part = new RecordBatchWriter();
  for (const { key, value, timestamp } of readRecords(whole)) {
    if (
      part.count > 0 &&
      part.byteLength + (value?.length ?? 0) * 3 + (key?.length ?? 0) * 3 + 32 > maxBytes
    ) {
      parts.push(part.finish());
      part = new RecordBatchWriter();
    }
    part.append(key, value, timestamp);
  }
  if (part.count > 0) parts.push(part.finish());
  return parts;
}
