#!/usr/bin/env node
/* eslint-disable */
// Readiness check + topic provisioning (the local test broker, compose and the Kubernetes topic Job).
// 1. Retries a real metadata round trip (admin.describeCluster) until the broker answers (bounded).
// 2. Creates every topic of libs/contracts/src/topics.json that is missing, with the configured
//    replication factor, partitions and configs (tolerating "already exists" from concurrent callers).
// 3. Compares existing topics with the configuration and REPORTS drift (partitions, replication factor,
//    the configs it manages). It changes nothing an operator set unless KAFKA_TOPICS_APPLY=true, and then
//    only grows partitions and sets the managed keys, keeping every other topic config (read, merge, write).
// Exit code 0 = broker usable and topics in place (drift is reported on stderr, not fatal); non-zero with a
// message on stderr otherwise. Configuration: environment variables, see scripts/kafka/README.md.
'use strict';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const fs = require('fs');
const path = require('path');
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

const ROOT = path.resolve(__dirname, '..', '..');
const TOPICS_FILE =
  process.env.KAFKA_TOPICS_FILE || path.join(ROOT, 'libs', 'contracts', 'src', 'topics.json');
const BROKERS = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || '19092'}`)
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
/**
 * TLS and SASL from the same environment variables and the same builder as the services
 * (libs/messaging kafka-security.ts, compiled into dist/: the image has it, a checkout after a build).
 */
/** Set first thing in main(), so a bad setting ends as the usual one-line FAILED message. */
let SECURITY = { options: {}, failure: () => null };

function loadSecurity() {
  const dir = path.join(ROOT, 'dist', 'libs', 'messaging', 'src', 'kafka');
  const wanted = Object.keys(process.env).some((name) => /^KAFKA_(SSL|SASL)/.test(name) && process.env[name]);
  if (!fs.existsSync(path.join(dir, 'kafka-security.js'))) {
    if (wanted) throw new Error(`KAFKA_SSL/KAFKA_SASL_* are set but ${dir} is missing: run npm run build`);
    return { options: {}, failure: () => null };
  }
  const { kafkaSecurityFromEnv, kafkajsSecurity } = require(path.join(dir, 'kafka-security.js'));
  const { securityFailure } = require(path.join(dir, 'kafka-preflight.js'));
  const security = kafkaSecurityFromEnv(process.env);
  // A wrong password or an untrusted certificate is not retried until the timeout: it stops the job at once.
  return { options: kafkajsSecurity(security), failure: (error) => securityFailure(error, security) };
}

const READY_TIMEOUT_MS = Number(process.env.KAFKA_READY_TIMEOUT_MS || 60000);

const COMPACT_CONFIG = {
  'cleanup.policy': 'compact',
  'segment.ms': '60000',
  'min.cleanable.dirty.ratio': '0.1',
};

function log(msg) {
  if (!process.env.KAFKA_QUIET) process.stderr.write(`[ensure-topics] ${msg}\n`);
}

/** A positive integer from the environment, or the fallback; anything else stops the script. */
function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d*$/.test(raw))
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** What the topics should look like: topics.json (names, minimum partitions, compaction) + the environment. */
function settings() {
  return {
    replicationFactor: intEnv('KAFKA_REPLICATION_FACTOR', 1),
    minInsyncReplicas: intEnv('KAFKA_MIN_INSYNC_REPLICAS', undefined),
    eventPartitions: intEnv('KAFKA_EVENT_PARTITIONS', undefined),
    eventRetentionMs: intEnv('KAFKA_EVENT_RETENTION_MS', undefined),
    apply: process.env.KAFKA_TOPICS_APPLY === 'true',
  };
}

function wantedTopics(cfg) {
  const raw = require(TOPICS_FILE);
  return Object.values(raw).map((t) => {
    if (!t || typeof t.name !== 'string')
      throw new Error(`bad entry in ${TOPICS_FILE}: ${JSON.stringify(t)}`);
    // Event topics are kept for a set time, never the broker's default: topics.json's retentionMs, unless
    // the operator sets KAFKA_EVENT_RETENTION_MS.
    const retentionMs = cfg.eventRetentionMs || Number(t.retentionMs);
    if (!t.compacted && !(retentionMs > 0))
      throw new Error(`event topic ${t.name} in ${TOPICS_FILE} needs a retentionMs`);
    const config = t.compacted
      ? { ...COMPACT_CONFIG }
      : { 'cleanup.policy': 'delete', 'retention.ms': String(retentionMs) };
    if (cfg.minInsyncReplicas) config['min.insync.replicas'] = String(cfg.minInsyncReplicas);
    const contract = Number(t.partitions) || 1;
    // Event topics may get more partitions than the contract's minimum; compacted state topics keep theirs
    // (their keys must stay on the same partition).
    const partitions =
      !t.compacted && cfg.eventPartitions ? Math.max(contract, cfg.eventPartitions) : contract;
    return { name: t.name, partitions, config };
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
      const reason = SECURITY.failure(e);
      if (reason) throw new Error(reason);
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

// Config sources (DescribeConfigs): only topic-level settings someone set are carried over on a write.
const DYNAMIC_TOPIC_CONFIG = 1;

async function main() {
  SECURITY = loadSecurity();
  const cfg = settings();
  const topics = wantedTopics(cfg);
  const kafka = new Kafka({
    clientId: 'pgw-ensure-topics',
    brokers: BROKERS,
    ...SECURITY.options,
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
  if (cfg.replicationFactor > info.brokers.length) {
    throw new Error(
      `KAFKA_REPLICATION_FACTOR=${cfg.replicationFactor} but the cluster has ${info.brokers.length} broker(s)`,
    );
  }

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
          replicationFactor: cfg.replicationFactor,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      });
      log(`created ${missing.map((t) => t.name).join(', ')} (replication factor ${cfg.replicationFactor})`);
    } catch (e) {
      const errs = e.errors || [e];
      if (!errs.every((x) => x && x.type === 'TOPIC_ALREADY_EXISTS')) throw e;
    }
  }

  const drift = [];
  // Partitions and replication factor; also proves every partition has a leader.
  const deadline = Date.now() + 30000;
  for (;;) {
    const md = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    const leaderless = md.topics.filter((t) => t.partitions.some((p) => p.leader == null || p.leader < 0));
    const byName = new Map(md.topics.map((t) => [t.name, t]));
    const fewer = topics.filter((t) => byName.get(t.name).partitions.length < t.partitions);
    if (fewer.length && cfg.apply) {
      await admin.createPartitions({
        topicPartitions: fewer.map((t) => ({ topic: t.name, count: t.partitions })),
      });
      log(`increased partitions of ${fewer.map((t) => t.name).join(', ')}`);
      continue;
    }
    if (!leaderless.length) {
      for (const t of topics) {
        const current = byName.get(t.name).partitions;
        if (current.length < t.partitions)
          drift.push(`${t.name}: ${current.length} partitions, configuration says ${t.partitions}`);
        const rf = Math.min(...current.map((p) => p.replicas.length));
        if (rf !== cfg.replicationFactor)
          drift.push(`${t.name}: replication factor ${rf}, configuration says ${cfg.replicationFactor}`);
      }
      break;
    }
    if (Date.now() > deadline) throw new Error(`no leader for ${leaderless.map((t) => t.name).join(', ')}`);
    await sleep(200);
  }

  // Configs: only the keys this script manages are compared; everything else belongs to the operator.
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
  });
  const toWrite = [];
  for (const t of topics) {
    const res = described.resources.find((r) => r.resourceName === t.name);
    const entries = res ? res.configEntries : [];
    const cur = Object.fromEntries(entries.map((c) => [c.configName, c.configValue]));
    const wrong = Object.entries(t.config).filter(([k, v]) => cur[k] !== v);
    for (const [k, v] of wrong) drift.push(`${t.name}: ${k} is ${cur[k]}, configuration says ${v}`);
    if (wrong.length) toWrite.push({ topic: t, entries });
  }
  if (cfg.apply && toWrite.length) {
    // kafkajs has no IncrementalAlterConfigs, and AlterConfigs replaces a topic's whole config: so write the
    // topic's own settings back with ours merged in, never fewer.
    await admin.alterConfigs({
      validateOnly: false,
      resources: toWrite.map(({ topic, entries }) => {
        const kept = entries.filter(
          (c) => c.configSource === DYNAMIC_TOPIC_CONFIG && !(c.configName in topic.config),
        );
        if (kept.some((c) => c.isSensitive))
          throw new Error(
            `${topic.name} has a sensitive topic config that cannot be carried over; change it by hand`,
          );
        const merged = [
          ...kept.map((c) => ({ name: c.configName, value: c.configValue })),
          ...Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        ];
        return { type: ConfigResourceTypes.TOPIC, name: topic.name, configEntries: merged };
      }),
    });
    log(
      `set the managed configs of ${toWrite.map((w) => w.topic.name).join(', ')} (other topic configs kept)`,
    );
  }
  for (const line of drift) {
    const fixed = cfg.apply && !/replication factor/.test(line);
    log(
      `drift: ${line}${fixed ? ' (applied)' : ' (left as is; KAFKA_TOPICS_APPLY=true applies partitions and configs)'}`,
    );
  }

  await warmGroupCoordinator(admin);

  await admin.disconnect();
  log(
    `${topics.length} topics ready in ${Date.now() - t0} ms${drift.length ? `, ${drift.length} drift(s) reported` : ''}`,
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`[ensure-topics] FAILED: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  },
);
