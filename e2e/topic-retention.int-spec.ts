import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { TOPIC_SPECS } from '@pgw/contracts';
import { TEST_KAFKA_BROKERS } from '@pgw/testing';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Event topics keep messages for a set time, set on the broker by the topic script (issue 15). */
describe('topic retention', () => {
  const events = Object.values(TOPIC_SPECS).filter((spec) => !spec.compacted);

  it('gives every event topic a retention inside the shortest audit retention (30 days)', () => {
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const spec of events) {
      expect({
        topic: spec.name,
        ok: (spec.retentionMs ?? 0) > 0 && (spec.retentionMs ?? 0) <= 30 * DAY_MS,
      }).toEqual({
        topic: spec.name,
        ok: true,
      });
    }
  });

  it('has retention.ms on the broker as topics.json says, set by scripts/kafka/ensure-topics.js', async () => {
    // Run the script (idempotent; it repairs drift), then read the broker's own configuration.
    execFileSync(process.execPath, [resolve(__dirname, '..', 'scripts', 'kafka', 'ensure-topics.js')], {
      env: {
        ...process.env,
        KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
        KAFKA_QUIET: '1',
        KAFKA_EVENT_RETENTION_MS: '', // the operator's override: not set here
      },
      stdio: 'pipe',
    });
    const admin = new Kafka({ brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: events.map((spec) => ({
          type: ConfigResourceTypes.TOPIC,
          name: spec.name,
          configNames: ['retention.ms'],
        })),
      });
      const actual = Object.fromEntries(
        described.resources.map((r) => [
          r.resourceName,
          r.configEntries.find((c) => c.configName === 'retention.ms')?.configValue,
        ]),
      );
      expect(actual).toEqual(Object.fromEntries(events.map((spec) => [spec.name, String(spec.retentionMs)])));
    } finally {
      await admin.disconnect();
    }
  });
});
