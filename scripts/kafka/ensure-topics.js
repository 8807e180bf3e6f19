#!/usr/bin/env node
/* eslint-disable */
// Readiness check + topic provisioning for the local test broker (see README.md).
// 1. Retries a real metadata round trip (admin.describeCluster) until the broker answers (bounded).
// 2. Creates every topic of libs/contracts/src/topics.json that is missing (waitForLeaders: true),
//    tolerating "already exists" (concurrent callers).
// 3. Verifies partitions and cleanup.policy of each topic and repairs drift (more partitions,
//    topic configs) so a data dir from an older topics.json still matches the contract.
// Exit code 0 = broker usable and topics in place; non-zero with a message on stderr otherwise.
'use strict';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const path = require('path');
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

const ROOT = path.resolve(__dirname, '..', '..');
const TOPICS_FILE =
  process.env.KAFKA_TOPICS_FILE || path.join(ROOT, 'libs', 'contracts', 'src', 'topics.json');
const BROKERS = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || '19092'}`)
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const READY_TIMEOUT_MS = Number(process.env.KAFKA_READY_TIMEOUT_MS || 60000);

const COMPACT_CONFIG = {
  'cleanup.policy': 'compact',
  'segment.ms': '60000',
  'min.cleanable.dirty.ratio': '0.1',
};

function log(msg) {
  if (!process.env.KAFKA_QUIET) process.stderr.write(`[ensure-topics] ${msg}\n`);
}

function wantedTopics() {
  const raw = require(TOPICS_FILE);
  return Object.values(raw).map((t) => {
    if (!t || typeof t.name !== 'string')
      throw new Error(`bad entry in ${TOPICS_FILE}: ${JSON.stringify(t)}`);
    // Event topics are kept for retentionMs exactly (never the broker's default).
    if (!t.compacted && !(Number(t.retentionMs) > 0))
      throw new Error(`event topic ${t.name} in ${TOPICS_FILE} needs a retentionMs`);
    const config = t.compacted
      ? { ...COMPACT_CONFIG }
      : { 'cleanup.policy': 'delete', 'retention.ms': String(t.retentionMs) };
    return { name: t.name, partitions: Number(t.partitions) || 1, config };
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForCluster(admin) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastErr;
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await admin.describeCluster();
      if (info.brokers.length > 0) return info;
      lastErr = new Error('describeCluster returned no brokers');
    } catch (e) {
      lastErr = e;
      try {
        await admin.disconnect();
      } catch (_) {}
    }
    if (Date.now() > deadline) {
      throw new Error(
        `broker at ${BROKERS.join(',')} did not answer a metadata request within ${READY_TIMEOUT_MS} ms: ${lastErr && lastErr.message}`,
      );
    }
    await sleep(Math.min(250 * attempt, 2000));
  }
}

// Java's String.hashCode, as Kafka maps a group id to a __consumer_offsets partition with it.
function javaHash(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

// The first FindCoordinator creates __consumer_offsets; until its partitions are led and loaded,
// consumers get "The group coordinator is not available" (kafkajs logs it at ERROR and retries).
// Do that once here, for a group id on every offsets partition, so tests start against a warm broker.
async function warmGroupCoordinator(admin) {
  const deadline = Date.now() + 30000;
  let parts = 0;
  for (;;) {
    try {
      if (!parts) {
        await admin.describeGroups(['pgw-ensure-topics-warmup']);
        const md = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
        parts = md.topics[0].partitions.length;
      }
      const ids = new Map();
      for (let i = 0; ids.size < parts && i < 10000; i++) {
        const id = `pgw-ensure-topics-warmup-${i}`;
        const p = Math.abs(javaHash(id)) % parts;
        if (!ids.has(p)) ids.set(p, id);
      }
      const res = await admin.describeGroups([...ids.values()]);
      const bad = res.groups.filter((g) => g.errorCode);
      if (!bad.length) return;
      throw new Error(`group coordinator error ${bad[0].errorCode}`);
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`group coordinator not ready: ${e.message}`);
      await sleep(200);
    }
  }
}

async function main() {
  const topics = wantedTopics();
  const kafka = new Kafka({
    clientId: 'pgw-ensure-topics',
    brokers: BROKERS,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3000 },
  });
  const admin = kafka.admin();
  const t0 = Date.now();
  const info = await waitForCluster(admin);
  log(
    `cluster ${info.clusterId} up (${info.brokers.map((b) => `${b.host}:${b.port}`).join(',')}, controller ${info.controller}) after ${Date.now() - t0} ms`,
  );

  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 30000,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: 1,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      });
      log(`created ${missing.map((t) => t.name).join(', ')}`);
    } catch (e) {
      const errs = e.errors || [e];
      if (!errs.every((x) => x && x.type === 'TOPIC_ALREADY_EXISTS')) throw e;
    }
  }

  // Verify (and repair) partitions and configs; also proves every partition has a leader.
  const deadline = Date.now() + 30000;
  for (;;) {
    const md = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    const leaderless = md.topics.filter((t) => t.partitions.some((p) => p.leader == null || p.leader < 0));
    const byName = new Map(md.topics.map((t) => [t.name, t]));
    const grow = topics.filter((t) => byName.get(t.name).partitions.length < t.partitions);
    if (grow.length) {
      await admin.createPartitions({
        topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })),
      });
      log(`increased partitions of ${grow.map((t) => t.name).join(', ')}`);
      continue;
    }
    if (!leaderless.length) break;
    if (Date.now() > deadline) throw new Error(`no leader for ${leaderless.map((t) => t.name).join(', ')}`);
    await sleep(200);
  }

  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
  });
  const drift = [];
  for (const t of topics) {
    const res = described.resources.find((r) => r.resourceName === t.name);
    const cur = Object.fromEntries((res ? res.configEntries : []).map((c) => [c.configName, c.configValue]));
    if (Object.entries(t.config).some(([k, v]) => cur[k] !== v)) drift.push(t);
  }
  if (drift.length) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: drift.map((t) => ({
        type: ConfigResourceTypes.TOPIC,
        name: t.name,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
    log(`fixed configs of ${drift.map((t) => t.name).join(', ')}`);
  }

  await warmGroupCoordinator(admin);

  await admin.disconnect();
  log(`${topics.length} topics ready in ${Date.now() - t0} ms`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`[ensure-topics] FAILED: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  },
);
