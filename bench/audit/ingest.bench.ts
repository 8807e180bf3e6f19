/**
 * Audit ingestion throughput: decision events from Kafka into Postgres through the real consumer path
 * (KafkaEventBus → EventBusTransport → DecisionsConsumer → one multi-row INSERT per batch).
 * Produces a burst of events, then samples stored rows and the lag (produced − stored) until it is 0.
 * Prints figures; never part of the test verdict. See bench/audit/README.md.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditServerModule } from '@pgw/audit-server';
import {
  createEnvelope,
  TOPIC_CODECS,
  TOPICS,
  uuidv7,
  type DecisionEvent,
  type DecisionPayload,
} from '@pgw/contracts';
import { EventBusModule, EventBusTransport, KafkaEventBus, type OutgoingMessage } from '@pgw/messaging';
import { createTestDatabase } from '@pgw/testing';
// Only for offsets housekeeping on the local broker (the measured path goes through @pgw/messaging).
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const PROJECTS = 100;
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const SAMPLE_MS = 500;
/** Consumer group members in this process (each its own Kafka client), like that many audit replicas. */
const CONSUMERS = Number(process.env.BENCH_CONSUMERS ?? 1);
/** Keep the burst on the topic afterwards (default: delete it, or every fresh consumer group re-reads it). */
const KEEP_EVENTS = process.env.BENCH_KEEP_EVENTS === '1';
/** 1: produce the whole burst first, then start consuming: measures ingestion alone (a backlog drain). */
const PREFILL = process.env.BENCH_PREFILL === '1';

@Module({})
class BenchRoot {}

const DECISIONS = ['allow', 'allow', 'allow', 'flag', 'redact', 'block'] as const;
const CATEGORIES = [[], [], ['pii.email'], ['secrets.aws', 'pii.email'], ['injection']];

function event(i: number): OutgoingMessage<DecisionEvent> {
  const projectId = `bench_p${i % PROJECTS}`;
  const eventId = uuidv7();
  const payload: DecisionPayload = {
    event_id: eventId,
    request_id: `req-${i}`,
    decision: DECISIONS[i % DECISIONS.length],
    reason_code: i % 6 === 5 ? 'secret_detected' : 'ok',
    triggered_categories: CATEGORIES[i % CATEGORIES.length],
    rollout_mode: i % 10 === 0 ? 'shadow' : 'enforce',
    enforced: i % 10 !== 0,
    policy_id: 'pol_bench',
    policy_user: `user-${i % 1000}`,
    policy_project_id: projectId,
    policy_target: i % 2 === 0 ? 'input' : 'output',
    allowlist_hits: i % 3,
    denylist_hits: i % 4,
    model: 'gpt-4o-mini',
    created_at: new Date().toISOString(),
  };
  return {
    key: projectId,
    value: TOPIC_CODECS.decisions.encode(createEnvelope('policy.decision', 1, projectId, payload, eventId)),
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const db = await createTestDatabase('benchaudit');
  const runId = randomBytes(3).toString('hex');
  const consumerBuses = Array.from(
    { length: CONSUMERS },
    (_, i) => new KafkaEventBus({ brokers: BROKERS, clientId: `bench-audit-${runId}-${i}` }),
  );
  const consumerBus = consumerBuses[0];
  // Default producer batches (1,000 messages): larger ones exceed the broker's max message size.
  const producerBus = new KafkaEventBus({ brokers: BROKERS, clientId: `bench-producer-${runId}` });
  const pg = new Client({ connectionString: db.url });
  let app: NestFastifyApplication | null = null;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      {
        module: BenchRoot,
        imports: [
          EventBusModule.forRoot(consumerBus),
          AuditServerModule.forRoot({
            database: { kind: 'postgres', url: db.url },
            adminToken: 'bench-admin-token',
            runMigrations: true,
            maintenanceIntervalMs: 0,
          }),
        ],
      },
      new FastifyAdapter(),
      { logger: ['error', 'warn'] },
    );
    // The group starts at the current end of the topic: only the burst is measured.
    const groupName = `bench-audit-${runId}`;
    const admin = new Kafka({
      brokers: BROKERS,
      clientId: `bench-admin-${runId}`,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const highWatermarks = async () =>
      (await admin.fetchTopicOffsets(TOPICS.decisions)).map((p) => ({
        partition: p.partition,
        offset: p.high,
      }));
    await admin.setOffsets({
      groupId: `${groupName}.${TOPICS.decisions}`,
      topic: TOPICS.decisions,
      partitions: await highWatermarks(),
    });
    for (const bus of consumerBuses) {
      app.connectMicroservice({ strategy: new EventBusTransport(bus, groupName) });
    }
    await app.init();
    await pg.connect();
    const count = async (): Promise<number> =>
      (await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit.decisions`)).rows[0].n;
    if (!PREFILL) await app.startAllMicroservices();
    const before = await count();
    console.log(
      `${CONSUMERS} consumer(s) ${PREFILL ? 'waiting' : 'started'}. Producing ${fmt(EVENTS)} events ...`,
    );

    const produceStart = Date.now();
    // The bus sends whatever is queued as one request: keep each under the broker's max message size.
    for (let i = 0; i < EVENTS; i += 1_000) {
      const batch = [];
      for (let j = i; j < Math.min(EVENTS, i + 1_000); j++) batch.push(event(j));
      producerBus.publish(TOPICS.decisions, batch);
      await producerBus.flush();
    }
    const producedIn = Date.now() - produceStart;
    console.log(
      `produced in ${(producedIn / 1000).toFixed(2)} s (${fmt((EVENTS / producedIn) * 1000)} events/s)\n`,
    );
    // With a prefilled backlog the clock starts when the consumers start, and the burst counts as produced.
    if (PREFILL) await app.startAllMicroservices();
    const start = PREFILL ? Date.now() : produceStart;
    const produced = PREFILL ? 0 : producedIn;

    const rows: string[][] = [];
    let stored = 0;
    let last = { t: start, stored: 0 };
    let firstRowAt: number | null = null;
    let peak = 0;
    let atBurstEnd: { t: number; stored: number } | null = null;
    while (stored < EVENTS && Date.now() - start < 300_000) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const t = Date.now();
      stored = (await count()) - before;
      if (stored > 0 && firstRowAt === null) firstRowAt = t;
      if (atBurstEnd === null && t - start >= produced) atBurstEnd = { t, stored };
      const rate = ((stored - last.stored) / (t - last.t)) * 1000;
      peak = Math.max(peak, rate);
      rows.push([
        ((t - start) / 1000).toFixed(1),
        fmt(t - start < produced ? NaN : EVENTS),
        fmt(stored),
        fmt(EVENTS - stored),
        fmt(rate),
      ]);
      last = { t, stored };
    }
    const done = Date.now();
    if (!KEEP_EVENTS) {
      await admin.deleteTopicRecords({ topic: TOPICS.decisions, partitions: await highWatermarks() });
      console.log('(deleted the burst from the local topic; BENCH_KEEP_EVENTS=1 keeps it)');
    }
    await admin.disconnect();
    const widths = [8, 10, 10, 10, 10];
    const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join(' | ');
    console.log(line(['t (s)', 'produced', 'stored', 'lag', 'rows/s']));
    console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const row of rows) console.log(line(row.map((c) => (c === 'NaN' ? '…' : c))));
    const total = (done - start) / 1000;
    const drain = atBurstEnd ? ((stored - atBurstEnd.stored) / (done - atBurstEnd.t)) * 1000 : NaN;
    console.log(
      `\n${fmt(stored)} of ${fmt(EVENTS)} events stored; end to end ${total.toFixed(2)} s ` +
        `= ${fmt(stored / total)} events/s (produce + consume overlapped); drain rate after the burst ${fmt(drain)} events/s; ` +
        `peak ${fmt(peak)} rows/s per ${SAMPLE_MS} ms sample; ` +
        `lag back to 0 ${((done - start - produced) / 1000).toFixed(2)} s after the burst was produced. Target ≥ 20,000 events/s.`,
    );
  } finally {
    await pg.end().catch(() => undefined);
    await app?.close();
    for (const bus of consumerBuses) await bus.close();
    await producerBus.close();
    await db.drop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
