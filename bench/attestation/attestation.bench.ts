/**
 * Attestation cost against its reference, in the same run and over the same rows: the JSONL export of a
 * project's period (the same keyset reads, streamed to an HTTP client) vs POST /admin/v1/audit/attestations
 * (those reads, canonicalised and hashed, then one signature). Runs alternate so load drifts hit both.
 * Prints figures; never part of the test verdict. See bench/attestation/README.md.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditServerModule, ProjectStateStore } from '@pgw/audit-server';
import { TOPIC_CODECS, TOPICS } from '@pgw/contracts';
import { EventBusModule, InProcessEventBus } from '@pgw/messaging';
import { createTestDatabase } from '@pgw/testing';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Client } from 'pg';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const PROJECT = 'bench_attest';

@Module({})
class BenchRoot {}

interface Sample {
  ms: number;
  peakRssMb: number;
  sha256: string;
}

/** One HTTP call; the body is hashed as it streams (the export) or parsed at the end (the attestation). */
function timed(url: string, method: 'GET' | 'POST', body?: string): Promise<Sample & { text: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const hash = createHash('sha256');
    let text = '';
    const req = request(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let chunks = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          if (method === 'POST') text += chunk.toString();
          if (++chunks % 32 === 0) peak = Math.max(peak, process.memoryUsage.rss());
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`));
          peak = Math.max(peak, process.memoryUsage.rss());
          resolve({
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            peakRssMb: (peak - rssBefore) / 2 ** 20,
            sha256: hash.digest('hex'),
            text,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(): Promise<void> {
  const db = await createTestDatabase('benchattest');
  const bus = new InProcessEventBus();
  const app = await NestFactory.create<NestFastifyApplication>(
    {
      module: BenchRoot,
      imports: [
        EventBusModule.forRoot(bus),
        AuditServerModule.forRoot({
          database: { kind: 'postgres', url: db.url, poolSize: 4 },
          adminToken: ADMIN_TOKEN,
          runMigrations: true,
          maintenanceIntervalMs: 0,
        }),
      ],
    },
    new FastifyAdapter(),
    { logger: ['error'] },
  );
  bus.publish(TOPICS.projectState, [
    {
      key: PROJECT,
      value: TOPIC_CODECS.projectState.encode({
        project_id: PROJECT,
        name: PROJECT,
        plan: 'enterprise',
        default_rollout_mode: 'enforce',
        allowed_models: ['gpt-4o-mini'],
        limits: { requests_per_minute: null, tokens_per_minute: null },
        key_limits: { requests_per_minute: null, tokens_per_minute: null },
        monthly_budget_micros: null,
        budget_soft_alert_percent: 80,
        audit_retention_days: 365,
        updated_at: new Date().toISOString(),
      }),
    },
  ]);
  await app.init();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    while (!app.get(ProjectStateStore).planOf(PROJECT)) await bus.flush();
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000);
    await pg.query(
      `INSERT INTO audit.decisions (event_id, created_at, retention_class, project_id, request_id, decision, reason_code,
         triggered_categories, rollout_mode, enforced, policy_id, policy_user, policy_project_id, policy_target,
         allowlist_hits, denylist_hits, model)
       SELECT gen_random_uuid(), $2::timestamptz + g * interval '10 milliseconds', 365, $1::varchar, 'req-' || g,
              (ARRAY['allow', 'flag', 'redact', 'block'])[1 + g % 4], 'reason_' || (g % 7),
              ARRAY['pii.email', 'secrets.aws']::varchar(96)[], 'enforce', g % 2 = 0,
              $1::varchar || '.r' || (1 + g * 3 / $3::int), 'user-' || (g % 100), 'tag-1', 'input', g % 3, g % 5, 'gpt-4o-mini'
         FROM generate_series(1, $3::int) AS g`,
      [PROJECT, start.toISOString(), ROWS],
    );
    await pg.query('ANALYZE audit.decisions');
    const from = start.toISOString();
    const to = new Date(start.getTime() + 3_600_000).toISOString();
    const exportUrl = `${base}/admin/v1/audit/export?format=jsonl&project_id=${PROJECT}&from=${from}&to=${to}`;
    const attestUrl = `${base}/admin/v1/audit/attestations`;
    const body = JSON.stringify({ project_id: PROJECT, from, to });

    // One warm-up each (JIT, plan cache), then alternate.
    const warm = await timed(exportUrl, 'GET');
    const warmAttestation = JSON.parse((await timed(attestUrl, 'POST', body)).text) as {
      attestation: { row_count: number; rows_sha256: string };
    };
    if (warmAttestation.attestation.rows_sha256 !== warm.sha256)
      throw new Error(
        'the export hash and rows_sha256 differ: the benchmark is not comparing like with like',
      );
    const exports: Sample[] = [];
    const attestations: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      exports.push(await timed(exportUrl, 'GET'));
      attestations.push(await timed(attestUrl, 'POST', body));
    }

    const rows = warmAttestation.attestation.row_count;
    const line = (name: string, samples: Sample[]) => {
      const ms = samples.map((s) => s.ms);
      return {
        'what (same rows)': name,
        'median ms': Math.round(median(ms)),
        'min-max ms': `${Math.round(Math.min(...ms))}-${Math.round(Math.max(...ms))}`,
        'rows/s (median)': Math.round(rows / (median(ms) / 1000)),
        'client+server RSS growth MB (max)': Math.max(...samples.map((s) => s.peakRssMb)).toFixed(1),
      };
    };
    console.log(
      `\nattestation vs export of the same ${rows} rows, ${RUNS} alternating runs each, ` +
        `Postgres 127.0.0.1, one process (server and client); load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    console.table([
      line('GET export?format=jsonl (reference)', exports),
      line('POST attestations', attestations),
    ]);
    console.log(
      `attestation / export median time: ${(median(attestations.map((s) => s.ms)) / median(exports.map((s) => s.ms))).toFixed(2)}x; ` +
        `sha256(export body) == rows_sha256: ${warmAttestation.attestation.rows_sha256 === warm.sha256}`,
    );
  } finally {
    await pg.end();
    await app.close();
    await bus.close();
    await db.drop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
