'use strict';
// What reached the databases for the acknowledged requests: two audit rows (input and output decision)
// and one usage row each, none twice. Audit rows carry the request id; billing's usage rows carry only
// the event id, so the usage topic is read to map each request id to its usage event id(s).
const { randomUUID } = require('node:crypto');
const { Client } = require('pg');
const { Kafka, logLevel } = require('kafkajs');

/** Follows the usage topic from the beginning: request id → the usage event ids published for it. */
async function followUsage(brokers, topic) {
  // Long connection retries, like the services' consumers: it keeps its group membership through a broker stop.
  const kafka = new Kafka({
    clientId: 'chaos-ledger',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 300, initialRetryTime: 200, maxRetryTime: 1_000 },
  });
  const consumer = kafka.consumer({
    groupId: `chaos-ledger-${randomUUID()}`,
    sessionTimeout: 6_000,
    heartbeatInterval: 1_000,
  });
  const eventsOf = new Map();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value.toString());
      const ids = eventsOf.get(event.payload.request_id) ?? new Set();
      ids.add(event.event_id);
      eventsOf.set(event.payload.request_id, ids);
    },
  });
  return { eventsOf, close: () => consumer.disconnect() };
}

async function ledger(databaseUrl, projectId, acknowledged, usageEvents) {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const audit = await sql.query(
      `SELECT request_id, count(*)::int AS rows, count(DISTINCT policy_target)::int AS targets
         FROM audit.decisions WHERE project_id = $1 AND request_id = ANY($2) GROUP BY request_id`,
      [projectId, acknowledged],
    );
    const eventIds = acknowledged.flatMap((id) => [...(usageEvents.get(id) ?? [])]);
    const usage = await sql.query(
      `SELECT event_id::text FROM billing.usage_events WHERE project_id = $1 AND event_id = ANY($2::uuid[])`,
      [projectId, eventIds],
    );
    const stored = new Set(usage.rows.map((r) => r.event_id));
    const auditOf = new Map(audit.rows.map((r) => [r.request_id, r]));
    let lost = 0;
    let duplicated = 0;
    for (const id of acknowledged) {
      const a = auditOf.get(id);
      const u = [...(usageEvents.get(id) ?? [])].filter((eventId) => stored.has(eventId)).length;
      if (!a || a.targets < 2 || u < 1) lost++;
      if ((a && a.rows > a.targets) || u > 1) duplicated++;
    }
    return {
      auditRows: audit.rows.reduce((n, r) => n + r.rows, 0),
      usageRows: usage.rows.length,
      lost,
      duplicated,
      ...(lost === 0 ? await landedAt(sql, projectId, acknowledged, eventIds) : {}),
    };
  } finally {
    await sql.end();
  }
}

/**
 * When the acknowledged rows were written, by the database's clock (ingested_at is now() of the
 * inserting transaction; same machine as this script's clock): the last one is the moment of catch-up,
 * whatever the delay of this script's own polling and usage-topic follower.
 */
async function landedAt(sql, projectId, acknowledged, eventIds) {
  const { rows } = await sql.query(
    `SELECT (SELECT extract(epoch FROM max(ingested_at)) * 1000 FROM audit.decisions
              WHERE project_id = $1 AND request_id = ANY($2)) AS audit_last,
            (SELECT extract(epoch FROM max(ingested_at)) * 1000 FROM billing.usage_events
              WHERE project_id = $1 AND event_id = ANY($3::uuid[])) AS usage_last`,
    [projectId, acknowledged, eventIds],
  );
  return { auditLastAt: Number(rows[0].audit_last), usageLastAt: Number(rows[0].usage_last) };
}

/**
 * Rows written after `since` by each consumer: first and last ingested_at (ms). The first is when the
 * consumer resumed; the gap to the last is the backlog's drain time.
 */
async function ingestWindow(databaseUrl, projectId, since) {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const { rows } = await sql.query(
      `SELECT 'audit' AS consumer, extract(epoch FROM min(ingested_at)) * 1000 AS first,
              extract(epoch FROM max(ingested_at)) * 1000 AS last, count(*)::int AS rows
         FROM audit.decisions WHERE project_id = $1 AND ingested_at >= to_timestamp($2 / 1000.0)
       UNION ALL
       SELECT 'billing', extract(epoch FROM min(ingested_at)) * 1000, extract(epoch FROM max(ingested_at)) * 1000,
              count(*)::int
         FROM billing.usage_events WHERE project_id = $1 AND ingested_at >= to_timestamp($2 / 1000.0)`,
      [projectId, since],
    );
    return Object.fromEntries(
      rows.map((r) => [
        r.consumer,
        {
          firstMs: Math.round(Number(r.first) - since),
          lastMs: Math.round(Number(r.last) - since),
          rows: r.rows,
        },
      ]),
    );
  } finally {
    await sql.end();
  }
}

/** Polls until nothing acknowledged is missing (or the deadline); returns the last ledger and when. */
async function waitCaughtUp(databaseUrl, projectId, acknowledged, usageEvents, since, timeoutMs = 120_000) {
  let last = null;
  while (Date.now() - since < timeoutMs) {
    last = await ledger(databaseUrl, projectId, acknowledged, usageEvents).catch(() => last);
    if (last && last.lost === 0) {
      // Caught up when the last acknowledged row landed (not when this poll noticed it).
      const landed = Math.max(last.auditLastAt, last.usageLastAt);
      return { ...last, catchUpMs: Math.max(0, Math.round(landed - since)), noticedMs: Date.now() - since };
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return {
    ...(last ?? { auditRows: 0, usageRows: 0, lost: acknowledged.length, duplicated: 0 }),
    catchUpMs: null,
  };
}

module.exports = { followUsage, ingestWindow, ledger, waitCaughtUp };
