import OpenAI from 'openai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitFor } from '@pgw/testing';
import { freePort, repoRoot } from './support/service-process';

/**
 * `npm start`'s process: all four services in one Nest app, in-process bus, PGlite, built-in mock upstream.
 * Run as a child process (PGlite's WASM loader does not run inside Jest's VM).
 */
describe('embedded mode (one process)', () => {
  const dataDir = resolve(repoRoot, 'tmp', `embedded-${randomUUID()}`);
  let child: ChildProcess;
  let output = '';
  let base: string;

  const printed = (label: string) => {
    const match = new RegExp(`${label}\\s*:\\s*(\\S+)`).exec(output);
    if (!match) throw new Error(`"${label}" was not printed:\n${output}`);
    return match[1];
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [resolve(repoRoot, 'dist/apps/embedded/src/main.js')], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('demo key') || child.exitCode !== null, {
      timeoutMs: 90_000,
      description: 'the embedded mode to print its demo key',
    });
    if (child.exitCode !== null) throw new Error(`embedded mode exited:\n${output}`);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the README's request and records decisions and usage in its embedded database", async () => {
    const apiKey = printed('demo key');
    const adminToken = printed('admin token');
    const projectId = printed('demo project');
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello, I am at bob@example.com' }],
    });
    expect(completion.choices[0].message.content).toEqual(expect.any(String));
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);

    const admin = (path: string) =>
      fetch(`${base}/admin/v1${path}`, { headers: { authorization: `Bearer ${adminToken}` } }).then(
        (response) => response.json() as Promise<Record<string, unknown>>,
      );
    // The demo policy redacts the email in the prompt: the input decision says so, without the address.
    const decisions = await waitFor(
      async () => {
        const page = (await admin(`/audit/decisions?project_id=${projectId}`)) as {
          data?: Record<string, unknown>[];
        };
        return (page.data?.length ?? 0) >= 2 ? page.data : null;
      },
      { description: 'two audit rows' },
    );
    const input = decisions.find((row) => row.policy_target === 'input');
    expect(input).toMatchObject({ decision: 'redact', enforced: true });
    expect(input?.triggered_categories).toContain('pii.email');
    expect(JSON.stringify(decisions)).not.toContain('bob@example.com');

    const usage = await waitFor(
      async () => {
        const report = (await admin(`/billing/projects/${projectId}/usage`)) as {
          totals?: { requests: number };
        };
        return (report.totals?.requests ?? 0) >= 1 ? report : null;
      },
      { description: 'the usage report' },
    );
    expect(usage.totals).toMatchObject({ requests: 1, total_tokens: completion.usage?.total_tokens });
    // One process, three registries: the gateway's /metrics, audit's and billing's next to it.
    const scrape = (path: string) => fetch(`${base}${path}`).then((response) => response.text());
    expect(await scrape('/metrics')).toContain('# TYPE ');
    const auditMetrics = await scrape('/metrics/audit');
    expect(auditMetrics).toMatch(/^pgw_audit_events_written_total [1-9]/m);
    const billingMetrics = await scrape('/metrics/billing');
    expect(billingMetrics).toMatch(/^pgw_billing_usage_events_ingested_total [1-9]/m);
    expect(auditMetrics + billingMetrics).not.toContain(projectId);
    expect(output).not.toContain('bob@example.com');
  });
});
