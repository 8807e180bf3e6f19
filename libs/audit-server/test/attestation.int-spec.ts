import { TOPICS } from '@pgw/contracts';
import { KafkaEventBus } from '@pgw/messaging';
import { TEST_KAFKA_BROKERS, waitFor } from '@pgw/testing';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keyIdOf, ProjectStateStore, type SignedAttestation } from '../src';
import {
  ADMIN_TOKEN,
  countRows,
  decisionMessage,
  publishKey,
  publishProjectState,
  startAudit,
  uniqueId,
  type AuditHarness,
} from './audit-harness';

const HOUR_MS = 3_600_000;
const VERIFY_SCRIPT = resolve(__dirname, '../../../scripts/verify-attestation.mjs');

/** The offline verifier as an auditor runs it: a separate process, files only, no service. */
function verifyOffline(files: { attestation: string; publicKey: string; exportFile?: string }): {
  status: number | null;
  stdout: string;
} {
  const args = [VERIFY_SCRIPT, '--attestation', files.attestation, '--public-key', files.publicKey];
  if (files.exportFile) args.push('--export', files.exportFile);
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { status: result.status, stdout: `${result.stdout}${result.stderr}` };
}

/** Ingest (Kafka → consumer → Postgres), attest, verify offline; then tamper with the rows and the document. */
describe('compliance attestations', () => {
  let bus: KafkaEventBus;
  let audit: AuditHarness;
  const enterprise = uniqueId('att_ent');
  const otherEnterprise = uniqueId('att_ent2');
  const free = uniqueId('att_free');
  let entKey: string;
  let freeKey: string;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'pgw-attestation-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
  const period = { from: new Date(base).toISOString(), to: new Date(base + HOUR_MS).toISOString() };
  const attestedEventIds: string[] = [];
  let original: SignedAttestation;
  let publicKeyFile: string;

  const call = async (method: 'GET' | 'POST', url: string, token?: string, body?: object) => {
    const response = await audit.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body ? { payload: body } : {}),
    });
    return { status: response.statusCode, body: response.body, json: () => response.json() };
  };
  const attest = (token: string, body: object) => call('POST', '/admin/v1/audit/attestations', token, body);
  const exportJsonl = async (): Promise<string> => {
    const query = new URLSearchParams({ format: 'jsonl', project_id: enterprise, ...period });
    const response = await call('GET', `/admin/v1/audit/export?${query.toString()}`, ADMIN_TOKEN);
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    bus = new KafkaEventBus({ brokers: TEST_KAFKA_BROKERS, clientId: uniqueId('attest-test'), lingerMs: 1 });
    publishProjectState(bus, enterprise, 'enterprise', 365);
    publishProjectState(bus, otherEnterprise, 'enterprise', 365);
    publishProjectState(bus, free, 'free', 30);
    entKey = publishKey(bus, enterprise).key;
    freeKey = publishKey(bus, free).key;
    await bus.flush();
    audit = await startAudit(bus, 'attest', {
      attestationPrivateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      exportPageSize: 7, // several keyset pages per attestation and export
    });
    const projects = audit.app.get(ProjectStateStore);
    await waitFor(
      () => projects.planOf(enterprise) && projects.planOf(otherEnterprise) && projects.planOf(free),
      {
        description: 'the three projects in the audit service',
      },
    );
    await waitFor(
      async () => (await call('GET', '/admin/v1/audit/attestations/public-key', freeKey)).status === 200,
      {
        description: 'the project keys in the audit service',
      },
    );

    // 25 rows in the period under two policy revisions and none, 2 before it, and rows of other projects.
    const messages = [];
    for (let i = 0; i < 25; i++) {
      const message = decisionMessage(enterprise, {
        created_at: new Date(base + i * 1000).toISOString(),
        policy_id: i < 10 ? `${enterprise}.r1` : i < 20 ? `${enterprise}.r2` : null,
        decision: i % 4 === 0 ? 'redact' : 'allow',
        triggered_categories: i % 4 === 0 ? ['pii.email'] : [],
      });
      attestedEventIds.push((JSON.parse(message.value) as { event_id: string }).event_id);
      messages.push(message);
    }
    for (let i = 1; i <= 2; i++)
      messages.push(decisionMessage(enterprise, { created_at: new Date(base - i * 1000).toISOString() }));
    for (let i = 0; i < 3; i++) {
      messages.push(
        decisionMessage(otherEnterprise, { created_at: new Date(base + i * 1000).toISOString() }),
      );
      messages.push(decisionMessage(free, { created_at: new Date(base + i * 1000).toISOString() }));
    }
    bus.publish(TOPICS.decisions, messages);
    await waitFor(
      async () =>
        (await countRows(audit.pg, 'project_id = ANY($1)', [[enterprise, otherEnterprise, free]])) === 33,
      { timeoutMs: 45_000, description: 'the 33 decision rows ingested from Kafka' },
    );
  });

  afterAll(async () => {
    await audit?.close();
    await bus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a summary of the period that verifies offline, and the export verifies against it', async () => {
    const response = await attest(ADMIN_TOKEN, { project_id: enterprise, ...period });
    expect(response.status).toBe(200);
    original = response.json();
    const keyId = keyIdOf(createPublicKey(publicKeyPem));
    expect(original.attestation).toMatchObject({
      version: 1,
      project_id: enterprise,
      period,
      row_count: 25,
      first_event_id: attestedEventIds[0],
      last_event_id: attestedEventIds[24],
      key_id: keyId,
    });
    expect(original.attestation.rows_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(
      original.attestation.policy_revisions.map(({ policy_id, revision, row_count }) => [
        policy_id,
        revision,
        row_count,
      ]),
    ).toEqual([
      [`${enterprise}.r1`, 1, 10],
      [`${enterprise}.r2`, 2, 10],
      [null, null, 5],
    ]);

    const published = await call('GET', '/admin/v1/audit/attestations/public-key', entKey);
    expect(published.json()).toEqual({
      key_id: keyId,
      algorithm: 'Ed25519',
      public_key_pem: publicKeyPem,
      ephemeral: false,
    });
    publicKeyFile = file('public-key.json', published.body);

    const attestationFile = file('attestation.json', JSON.stringify(original, null, 2));
    const signatureOnly = verifyOffline({ attestation: attestationFile, publicKey: publicKeyFile });
    expect(signatureOnly.stdout).toContain('OK   signature');
    expect(signatureOnly.status).toBe(0);

    const exported = await exportJsonl();
    // The canonical form is the export's line format: the file's own SHA-256 is the attested hash.
    expect(createHash('sha256').update(exported).digest('hex')).toBe(original.attestation.rows_sha256);
    const withExport = verifyOffline({
      attestation: attestationFile,
      publicKey: file('public-key.pem', publicKeyPem),
      exportFile: file('export.jsonl', exported),
    });
    expect(withExport.stdout).toContain('OK   rows_sha256');
    expect(withExport.stdout).toContain('and the export matches them');
    expect(withExport.status).toBe(0);
  });

  it('lets a project key attest its own project, with the same result', async () => {
    const response = await attest(entKey, period);
    expect(response.status).toBe(200);
    const byKey: SignedAttestation = response.json();
    expect(byKey.attestation).toMatchObject({
      project_id: enterprise,
      row_count: 25,
      rows_sha256: original.attestation.rows_sha256,
    });
  });

  it('fails the signature of an attestation whose row_count was raised by one', () => {
    const tampered = { ...original, attestation: { ...original.attestation, row_count: 26 } };
    const result = verifyOffline({
      attestation: file('tampered-attestation.json', JSON.stringify(tampered)),
      publicKey: publicKeyFile,
    });
    expect(result.stdout).toContain('FAIL signature');
    expect(result.stdout).toContain('NOT VERIFIED');
    expect(result.status).toBe(1);
  });

  it('answers 403 plan_feature_unavailable, naming the plan, for a project whose plan has no attestations', async () => {
    for (const [token, body] of [
      [ADMIN_TOKEN, { project_id: free, ...period }],
      [freeKey, period],
    ] as const) {
      const response = await attest(token, body);
      expect(response.status).toBe(403);
      const { error } = response.json() as { error: { code: string; message: string } };
      expect(error.code).toBe('plan_feature_unavailable');
      expect(error.message).toContain('on the free plan');
      expect(error.message).toContain('enterprise');
    }
  });

  it('refuses a project key attesting another project', async () => {
    const response = await attest(entKey, { project_id: otherEnterprise, ...period });
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'forbidden', param: 'project_id' } });
  });

  it('answers bad requests with the one error shape', async () => {
    const cases: [string | undefined, object, number, string, string | null][] = [
      [undefined, { project_id: enterprise, ...period }, 401, 'unauthorized', null],
      [ADMIN_TOKEN, period, 400, 'invalid_request', 'project_id'],
      [
        ADMIN_TOKEN,
        { project_id: enterprise, from: period.to, to: period.from },
        400,
        'invalid_request',
        'to',
      ],
      [
        ADMIN_TOKEN,
        { project_id: enterprise, from: period.from, to: '2999-01-01T00:00:00Z' },
        400,
        'invalid_request',
        'to',
      ],
      [
        ADMIN_TOKEN,
        { project_id: enterprise, from: 'yesterday', to: period.to },
        400,
        'invalid_request',
        'from',
      ],
      [ADMIN_TOKEN, { project_id: enterprise, ...period, rows: [] }, 400, 'invalid_request', 'rows'],
      [ADMIN_TOKEN, { project_id: uniqueId('nobody'), ...period }, 404, 'not_found', 'project_id'],
    ];
    for (const [token, body, status, code, param] of cases) {
      const response = await attest(token as string, body);
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(response.json()).toMatchObject({ error: { code, param } });
    }
  });

  // Last: it changes a stored row.
  it('detects one changed row: a new attestation differs and the original no longer matches a re-export', async () => {
    const victim = attestedEventIds[12];
    const updated = await audit.pg.query(
      `UPDATE audit.decisions SET model = 'gpt-4o-tampered' WHERE event_id = $1`,
      [victim],
    );
    expect(updated.rowCount).toBe(1);

    const again: SignedAttestation = (
      await attest(ADMIN_TOKEN, { project_id: enterprise, ...period })
    ).json();
    expect(again.attestation.row_count).toBe(25);
    expect(again.attestation.rows_sha256).not.toBe(original.attestation.rows_sha256);

    const reexport = file('re-export.jsonl', await exportJsonl());
    const result = verifyOffline({
      attestation: file('original-attestation.json', JSON.stringify(original)),
      publicKey: publicKeyFile,
      exportFile: reexport,
    });
    expect(result.stdout).toContain('OK   signature');
    expect(result.stdout).toContain('FAIL rows_sha256');
    expect(result.status).toBe(1);
    // The new attestation does describe the altered log: the change is visible, not hidden.
    const fresh = verifyOffline({
      attestation: file('new-attestation.json', JSON.stringify(again)),
      publicKey: publicKeyFile,
      exportFile: reexport,
    });
    expect(fresh.status).toBe(0);
  });
});
