// scripts/kafka/ensure-topics.js (the topic Job) against the real broker, on throwaway topics of this run:
// creates what is missing from configuration (replication factor, partitions, retention), reports drift
// without touching an operator's settings, and applies only when asked, keeping the other topic configs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { TEST_KAFKA_BROKERS } from '@pgw/testing';
import { repoPath } from './support/workspace';

const RUN = `${process.env.PGW_TEST_RUN_ID ?? 'local'}-${randomBytes(3).toString('hex')}`.replace(
  /[^\w.-]/g,
  '',
);
const EVENTS = `pgw-topics-test.${RUN}.events`;
const STATE = `pgw-topics-test.${RUN}.state`;

function runScript(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [repoPath('scripts', 'kafka', 'ensure-topics.js')], {
    encoding: 'utf8',
    env: {
      ...process.env,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_TOPICS_FILE: topicsFile,
      ...env,
    },
    timeout: 120_000,
  });
  return { status: run.status, stderr: run.stderr };
}

let topicsFile: string;
let admin: Admin;

async function topicConfig(topic: string): Promise<Record<string, string>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  return Object.fromEntries(described.resources[0].configEntries.map((c) => [c.configName, c.configValue]));
}

async function partitions(topic: string): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata.topics[0].partitions.length;
}

beforeAll(async () => {
  topicsFile = join(mkdtempSync(join(tmpdir(), 'pgw-topics-')), 'topics.json');
  writeFileSync(
    topicsFile,
    JSON.stringify({
      events: { name: EVENTS, partitions: 2, compacted: false, retentionMs: 604_800_000 },
      state: { name: STATE, partitions: 2, compacted: true },
    }),
  );
  admin = new Kafka({
    clientId: `topics-test-${RUN}`,
    brokers: TEST_KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [EVENTS, STATE] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('ensure-topics.js', () => {
  it('creates missing topics with the configured partitions and retention (compacted topics keep the contract)', async () => {
    const run = runScript({ KAFKA_EVENT_PARTITIONS: '4', KAFKA_EVENT_RETENTION_MS: '604800000' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`created ${EVENTS}, ${STATE} (replication factor 1)`);
    expect(await partitions(EVENTS)).toBe(4);
    expect(await partitions(STATE)).toBe(2);
    expect(await topicConfig(EVENTS)).toMatchObject({
      'cleanup.policy': 'delete',
      'retention.ms': '604800000',
    });
    expect(await topicConfig(STATE)).toMatchObject({ 'cleanup.policy': 'compact' });
  });

  it("reports drift and leaves an operator's settings alone unless asked", async () => {
    // An operator shortens retention and sets a config of their own on the event topic.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: EVENTS,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '3600000' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });
    const run = runScript({ KAFKA_EVENT_PARTITIONS: '6', KAFKA_EVENT_RETENTION_MS: '604800000' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      `drift: ${EVENTS}: retention.ms is 3600000, configuration says 604800000 (left as is`,
    );
    expect(run.stderr).toContain(`drift: ${EVENTS}: 4 partitions, configuration says 6 (left as is`);
    expect(await topicConfig(EVENTS)).toMatchObject({
      'retention.ms': '3600000',
      'max.message.bytes': '2000000',
    });
    expect(await partitions(EVENTS)).toBe(4);
  });

  it('KAFKA_TOPICS_APPLY=true sets the managed keys and grows partitions, keeping the other topic configs', async () => {
    const run = runScript({
      KAFKA_EVENT_PARTITIONS: '6',
      KAFKA_EVENT_RETENTION_MS: '604800000',
      KAFKA_TOPICS_APPLY: 'true',
    });
    expect(run.status).toBe(0);
    expect(await topicConfig(EVENTS)).toMatchObject({
      'retention.ms': '604800000',
      'max.message.bytes': '2000000', // the operator's own setting survives (AlterConfigs would drop it)
      'cleanup.policy': 'delete',
    });
    expect(await partitions(EVENTS)).toBe(6);
    expect(
      runScript({ KAFKA_EVENT_PARTITIONS: '6', KAFKA_EVENT_RETENTION_MS: '604800000' }).stderr,
    ).not.toContain('drift:');
  });

  it('reports a replication factor that differs, and refuses one the cluster cannot hold', async () => {
    const tooMany = runScript({ KAFKA_REPLICATION_FACTOR: '3' });
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain('KAFKA_REPLICATION_FACTOR=3 but the cluster has 1 broker(s)');
    const invalid = runScript({ KAFKA_REPLICATION_FACTOR: 'three' });
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toContain('KAFKA_REPLICATION_FACTOR must be a positive integer');
  });
});
