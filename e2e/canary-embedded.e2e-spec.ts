import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { MockUpstream, waitFor } from '@pgw/testing';
import { Canaries, canaryPolicy, driveCanaryTraffic, readTree } from './support/canary-traffic';
import { freePort, repoRoot } from './support/service-process';

/**
 * Issue 15's canary run in embedded mode (`npm start`: one process, in-process bus, PGlite): the same
 * seven paths and fields; afterwards the process output, every /metrics registry, the audit export, an
 * attestation and every file of the data directory (PGlite's files and the spill directory, read after
 * the process stopped and flushed) hold no canary, except `user` as policy_user.
 */
describe('canary: no client or provider text kept anywhere (embedded)', () => {
  const dataDir = resolve(repoRoot, 'tmp', `canary-embedded-${randomUUID()}`);
  const canaries = new Canaries();
  let mock: MockUpstream;
  let child: ChildProcess;
  let output = '';
  let base: string;

  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  };

  beforeAll(async () => {
    mock = await MockUpstream.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [resolve(repoRoot, 'dist/apps/embedded/src/main.js')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        UPSTREAM_BASE_URL: mock.baseUrl,
        UPSTREAM_API_KEY: 'k',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('demo key') || child.exitCode !== null, {
      timeoutMs: 90_000,
      description: 'the embedded mode to start',
    });
    if (child.exitCode !== null) throw new Error(`embedded mode exited:\n${output}`);
  }, 120_000);

  afterAll(async () => {
    await stop();
    await mock?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps no canary from any field of any path, except user as policy_user', async () => {
    const adminToken = /admin token\s*:\s*(\S+)/.exec(output)![1];
    const admin = async (path: string, body?: unknown) => {
      const response = await fetch(`${base}/admin/v1${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
      return text;
    };
    const from = new Date(Date.now() - 60_000).toISOString();
    const projectId = (
      JSON.parse(
        await admin('/projects', {
          name: `canary-${randomUUID()}`,
          plan: 'enterprise',
          allowed_models: ['gpt-4o-mini'],
        }),
      ) as { id: string }
    ).id;
    await admin(`/projects/${projectId}/policies`, {
      config: canaryPolicy(canaries.inputBlock, canaries.outputBlock),
      message: 'canary policy',
    });
    const apiKey = (
      JSON.parse(await admin(`/projects/${projectId}/keys`, { name: 'canary' })) as { key: string }
    ).key;
    await waitFor(
      async () =>
        (await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } })).status === 200,
      { description: 'the gateway to learn the key' },
    );

    const run = await driveCanaryTraffic(base, apiKey, mock, canaries);
    const decisions = await waitFor(
      async () => {
        const page = JSON.parse(await admin(`/audit/decisions?project_id=${projectId}&limit=100`)) as {
          data?: { request_id: string; policy_user: string | null; policy_target: string }[];
        };
        return (page.data?.length ?? 0) >= run.decisions ? page.data! : null;
      },
      { timeoutMs: 30_000, description: 'the decision rows of the canary run' },
    );
    expect(new Set(decisions.map((row) => row.request_id)).size).toBe(run.requests - 1);
    // A retrieved stored response (GET, no user field) is the one row without policy_user.
    const withoutUser = decisions.filter((row) => row.policy_user === null);
    expect(withoutUser.map((row) => row.policy_target)).toEqual(['responses.output']);
    expect(decisions.every((row) => row.policy_user === run.user || row.policy_user === null)).toBe(true);
    await waitFor(
      async () => {
        const report = JSON.parse(await admin(`/billing/projects/${projectId}/usage`)) as {
          totals?: { requests: number };
        };
        return (report.totals?.requests ?? 0) >= run.requests;
      },
      { timeoutMs: 30_000, description: 'the usage of the canary run' },
    );
    const to = new Date().toISOString();
    const allowedUser = [run.user];
    const found: Record<string, string[]> = {};
    const check = (where: string, text: string, except: readonly string[] = []) => {
      const hits = canaries.foundIn(text, except);
      if (hits.length > 0) found[where] = hits;
    };
    for (const path of ['/metrics', '/metrics/audit', '/metrics/billing']) {
      check(path, await fetch(`${base}${path}`).then((r) => r.text()));
    }
    check(
      'audit export',
      await admin(`/audit/export?format=jsonl&project_id=${projectId}&from=${from}&to=${to}`),
      allowedUser,
    );
    check('attestation', await admin('/audit/attestations', { project_id: projectId, from, to }));
    await stop();
    check('process output', output);
    // PGlite's files hold the decision rows, where policy_user is allowed; nothing else may be there.
    check('data directory (PGlite, spill)', readTree(dataDir), allowedUser);
    expect(found).toEqual({});
  });
});
