import { InProcessEventBus } from '@pgw/messaging';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { publishKey, publishProjectState, startAudit, uniqueId, type AuditHarness } from './audit-harness';

const ROWS = 200_000;

// A full collection before each sample measures what is live, not garbage V8 has not collected yet.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const liveHeap = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

/** Reads a streamed response without keeping it: counts lines and bytes, samples the live heap as it goes. */
function streamExport(
  url: string,
  token: string,
): Promise<{ status: number; lines: number; bytes: number; peakHeap: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let lines = 0;
      let bytes = 0;
      let peakHeap = 0;
      let chunks = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        if (++chunks % 64 === 0) peakHeap = Math.max(peakHeap, liveHeap());
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, lines, bytes, peakHeap }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('export streams in constant memory', () => {
  const bus = new InProcessEventBus();
  let audit: AuditHarness;
  let baseUrl: string;
  const projectId = uniqueId('bulk');
  let key: string;
  const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);

  beforeAll(async () => {
    publishProjectState(bus, projectId, 'enterprise', 365);
    key = publishKey(bus, projectId).key;
    audit = await startAudit(bus, 'export');
    await audit.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(audit.app.getHttpServer().address() as AddressInfo).port}`;
    await audit.pg.query(
      `INSERT INTO audit.decisions (event_id, created_at, retention_class, project_id, request_id, decision, reason_code,
         triggered_categories, rollout_mode, enforced, policy_id, policy_user, policy_project_id, policy_target,
         allowlist_hits, denylist_hits, model)
       SELECT gen_random_uuid(), $2::timestamptz + g * interval '1 millisecond', 365, $1, 'req-' || g,
              (ARRAY['allow', 'flag', 'redact', 'block'])[1 + g % 4], 'reason_' || (g % 7),
              ARRAY['pii.email', 'secrets.aws']::varchar(96)[], 'enforce', g % 2 = 0, 'pol_1', 'user-' || (g % 100),
              'tag-1', 'input', g % 3, g % 5, 'gpt-4o-mini'
         FROM generate_series(1, $3::int) AS g`,
      [projectId, start.toISOString(), ROWS],
    );
  }, 120_000);

  afterAll(async () => {
    await audit?.close();
  });

  it.each(['jsonl', 'csv'])(
    'exports %s rows page by page without holding them',
    async (format) => {
      const to = new Date(start.getTime() + 3_600_000).toISOString();
      const baseline = liveHeap();
      const result = await streamExport(
        `${baseUrl}/admin/v1/audit/export?format=${format}&from=${start.toISOString()}&to=${to}`,
        key,
      );
      expect(result.status).toBe(200);
      expect(result.lines).toBe(format === 'csv' ? ROWS + 1 : ROWS);
      // The export is tens of megabytes; what is live at any time is a few pages (generous margin, not a timing).
      const growth = result.peakHeap - baseline;
      console.log(
        `${format}: ${(result.bytes / 1e6).toFixed(1)} MB streamed, peak live heap growth ${(growth / 1e6).toFixed(1)} MB`,
      );
      expect(result.bytes).toBeGreaterThan(30_000_000);
      expect(growth).toBeLessThan(Math.min(result.bytes / 3, 32_000_000));
    },
    120_000,
  );
});
