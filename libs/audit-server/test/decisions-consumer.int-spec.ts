import { TOPICS, uuidv7, type DeadLetterRecord, type DecisionEvent } from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import {
  readTopicSince,
  TEST_KAFKA_BROKERS,
  topicEndOffsets,
  waitFor,
  type PartitionOffsets,
} from '@pgw/testing';
import { IngestStats } from '../src';
import {
  countRows,
  decisionMessage,
  poisonMessage,
  startAudit,
  uniqueId,
  type AuditHarness,
} from './audit-harness';

function parseRecord(value: string | null): DeadLetterRecord | null {
  try {
    return JSON.parse(value ?? 'null') as DeadLetterRecord | null;
  } catch {
    return null;
  }
}

/** The real consumer path: Kafka → EventBusTransport → DecisionsConsumer → Postgres. */
describe('decision consumer (Kafka → Postgres)', () => {
  let bus: KafkaEventBus;
  let audit: AuditHarness;
  // Where the shared dead-letter topic ended before this file published anything.
  let deadLetterStart: PartitionOffsets;

  beforeAll(async () => {
    deadLetterStart = await topicEndOffsets(TOPICS.deadLetter);
    bus = new KafkaEventBus({
      brokers: TEST_KAFKA_BROKERS,
      clientId: uniqueId('audit-consumer-test'),
      lingerMs: 1,
    });
    audit = await startAudit(bus, 'consumer');
  });

  afterAll(async () => {
    await audit?.close();
    await bus?.close();
  });

  it('dead-letters a malformed message with its reason and still writes the good ones behind it', async () => {
    const projectId = uniqueId('proj');
    const marker = uniqueId('smuggled');
    const startedAt = new Date().toISOString();
    const first = decisionMessage(projectId, { decision: 'block', triggered_categories: ['secrets.aws'] });
    const notJson = poisonMessage<DecisionEvent>(projectId, '{"event_id": oops');
    const extraField = decisionMessage(projectId);
    const smuggling = poisonMessage<DecisionEvent>(
      projectId,
      extraField.value.replace('"payload":{', `"payload":{"${marker}":"text",`),
    );
    // Same key = same partition: the poison messages sit in front of the later good ones.
    bus.publish(TOPICS.decisions, [
      first,
      notJson,
      smuggling,
      decisionMessage(projectId),
      decisionMessage(projectId),
    ]);

    await waitFor(async () => (await countRows(audit.pg, 'project_id = $1', [projectId])) === 3, {
      timeoutMs: 45_000,
      description: 'the three good events of the project',
    });
    const dead = await waitFor(
      async () => {
        // The topic is shared with every other test on the broker: skip what is not a dead-letter record.
        const records = (await readTopicSince(TOPICS.deadLetter, deadLetterStart))
          .map((m) => parseRecord(m.value))
          .filter((r) => r?.consumer === 'audit.decisions' && r.source_topic === TOPICS.decisions)
          .map((r) => r as DeadLetterRecord);
        const smuggled = records.find((r) => r.reason === `payload.${marker} is not an allowed field`);
        const unparsable = records.find(
          (r) => r.reason === 'message is not valid JSON' && r.dead_lettered_at >= startedAt,
        );
        return smuggled && unparsable ? { smuggled, unparsable } : null;
      },
      { timeoutMs: 20_000, description: 'both dead letters on the dead-letter topic' },
    );
    expect(dead.smuggled.value_bytes).toBeGreaterThan(0);
    expect(JSON.stringify(dead.smuggled)).not.toContain('"text"');
    expect(audit.app.get(IngestStats).deadLettered).toBeGreaterThanOrEqual(2);
    const row = await audit.pg.query(
      `SELECT decision, triggered_categories FROM audit.decisions WHERE event_id = $1`,
      [JSON.parse(first.value).event_id],
    );
    expect(row.rows).toEqual([{ decision: 'block', triggered_categories: ['secrets.aws'] }]);
  });

  it('stores a redelivered event id once, within a batch and across batches', async () => {
    const projectId = uniqueId('proj');
    const eventId = uuidv7();
    const event = decisionMessage(projectId, { event_id: eventId });
    bus.publish(TOPICS.decisions, [event, event, decisionMessage(projectId)]);
    await waitFor(async () => (await countRows(audit.pg, 'project_id = $1', [projectId])) === 2, {
      timeoutMs: 45_000,
      description: 'first delivery',
    });
    // Again later (another batch); a sentinel behind it shows the duplicate was consumed.
    const sentinel = decisionMessage(projectId);
    await bus.flush();
    bus.publish(TOPICS.decisions, [event, sentinel]);
    await waitFor(
      async () => (await countRows(audit.pg, 'event_id = $1', [JSON.parse(sentinel.value).event_id])) === 1,
      { timeoutMs: 45_000, description: 'the sentinel behind the redelivery' },
    );
    expect(await countRows(audit.pg, 'event_id = $1', [eventId])).toBe(1);
    expect(await countRows(audit.pg, 'project_id = $1', [projectId])).toBe(3);
  });
});
