import { ConfigError, loadConfig } from '@pgw/server-kit';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPage } from '../export/export-format';
import type { DecisionRecord } from '../query/decision-query.repository';
import {
  ATTESTATION_VERSION,
  canonicalJson,
  canonicalRowLine,
  ExportVerifier,
  RowDigest,
  signAttestation,
  verifyAttestationSignature,
  type Attestation,
  type SignedAttestation,
} from './attestation-core';
import {
  attestationKeyPem,
  AttestationKeyEnv,
  loadAttestationKey,
  type AttestationKey,
} from './attestation-key';

const PROJECT = 'proj_a';

function record(i: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    event_id: `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a${String(i).padStart(2, '0')}`,
    created_at: new Date(Date.UTC(2026, 2, 15, 12, 0, i)).toISOString(),
    project_id: PROJECT,
    request_id: `req-${i}`,
    decision: i % 2 ? 'block' : 'allow',
    reason_code: i % 2 ? 'secret_detected' : 'ok',
    triggered_categories: i % 2 ? ['secrets.aws', 'pii.email'] : [],
    rollout_mode: 'enforce',
    enforced: true,
    policy_id: i < 3 ? `${PROJECT}.r1` : i < 5 ? `${PROJECT}.r2` : null,
    policy_user: i === 1 ? 'ünïcode "quoted" \u2028' : null,
    policy_project_id: 'tag',
    policy_target: 'input',
    allowlist_hits: 0,
    denylist_hits: i,
    model: 'gpt-4o',
    ...overrides,
  };
}

const rows = Array.from({ length: 6 }, (_, i) => record(i));
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function attest(key: AttestationKey, records: DecisionRecord[] = rows): SignedAttestation {
  const digest = new RowDigest();
  for (const row of records) digest.add(row);
  const attestation: Attestation = {
    version: ATTESTATION_VERSION,
    project_id: PROJECT,
    period: { from: '2026-03-15T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' },
    ...digest.summary(),
    generated_at: '2026-03-17T00:00:00.000Z',
    key_id: key.keyId,
  };
  return {
    attestation,
    signature: signAttestation(attestation, key.privateKey),
    public_key_pem: key.publicKeyPem,
  };
}

const verifyExport = (attestation: Attestation, lines: string[]) => {
  const verifier = new ExportVerifier(attestation);
  for (const line of lines) verifier.addLine(line);
  return verifier.finish();
};
const failed = (report: { checks: { name: string; ok: boolean }[] }): string[] =>
  report.checks.filter((check) => !check.ok).map((check) => check.name);

describe('attestation canonical form', () => {
  it('a canonical line is a JSONL export line byte for byte', () => {
    for (const row of rows) expect(canonicalRowLine(row)).toBe(formatPage('jsonl', [row]));
  });

  it('hashes the concatenated canonical lines, so sha256 of the service export file is rows_sha256', () => {
    const digest = new RowDigest();
    for (const row of rows) digest.add(row);
    const summary = digest.summary();
    expect(summary.rows_sha256).toBe(sha256(formatPage('jsonl', rows)));
    expect(summary).toMatchObject({
      row_count: 6,
      first_event_id: rows[0].event_id,
      last_event_id: rows[5].event_id,
    });
    expect(summary.policy_revisions).toEqual([
      {
        policy_id: `${PROJECT}.r1`,
        revision: 1,
        row_count: 3,
        first_seen_at: rows[0].created_at,
        last_seen_at: rows[2].created_at,
      },
      {
        policy_id: `${PROJECT}.r2`,
        revision: 2,
        row_count: 2,
        first_seen_at: rows[3].created_at,
        last_seen_at: rows[4].created_at,
      },
      {
        policy_id: null,
        revision: null,
        row_count: 1,
        first_seen_at: rows[5].created_at,
        last_seen_at: rows[5].created_at,
      },
    ]);
    expect(new RowDigest().summary()).toMatchObject({
      row_count: 0,
      rows_sha256: sha256(''),
      first_event_id: null,
    });
  });

  it('serialises the signed document as RFC 8785 canonical JSON (sorted keys, no whitespace)', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true, é: 'é', Z: 0 })).toBe(
      '{"Z":0,"a":true,"b":[1,{"c":"x","d":null}],"é":"é"}',
    );
  });
});

describe('attestation signature', () => {
  const key = loadAttestationKey(
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );

  it('verifies with the public key, whatever the JSON layout of the saved document', () => {
    const signed = attest(key);
    // Keys in another order and indented, as a person or a tool might save it.
    const reversed = Object.fromEntries(Object.entries(signed.attestation).reverse());
    const pretty = JSON.parse(
      JSON.stringify({ signature: signed.signature, attestation: reversed }, null, 2),
    ) as unknown;
    expect(verifyAttestationSignature(pretty, key.publicKeyPem).ok).toBe(true);
  });

  it('fails when one attested field changes, or with another key', () => {
    const signed = attest(key);
    const tampered = { ...signed, attestation: { ...signed.attestation, row_count: 7 } };
    expect(failed(verifyAttestationSignature(tampered, key.publicKeyPem))).toEqual(['signature']);
    const other = loadAttestationKey(undefined);
    expect(failed(verifyAttestationSignature(signed, other.publicKeyPem))).toEqual(['key_id', 'signature']);
    expect(failed(verifyAttestationSignature({ signature: 'x' }, key.publicKeyPem))).toEqual(['format']);
  });
});

describe('verifying an export against an attestation', () => {
  const key = loadAttestationKey(undefined);
  const { attestation } = attest(key);
  const lines = formatPage('jsonl', rows).trimEnd().split('\n');

  it('accepts the export of the attested rows, in any JSON key order', () => {
    const reordered = lines.map((line) =>
      JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(line)).reverse())),
    );
    expect(verifyExport(attestation, lines).ok).toBe(true);
    expect(verifyExport(attestation, [...reordered, '']).ok).toBe(true);
  });

  it('names what differs: a changed value, a missing row, the order, a foreign row, an unknown field', () => {
    const changed = [...lines];
    changed[2] = formatPage('jsonl', [record(2, { decision: 'redact' })]).trimEnd();
    expect(failed(verifyExport(attestation, changed))).toEqual(['rows_sha256']);
    expect(failed(verifyExport(attestation, lines.slice(0, 5)))).toEqual([
      'row_count',
      'last_event_id',
      'rows_sha256',
      'policy_revisions',
    ]);
    const swapped = [lines[1], lines[0], ...lines.slice(2)];
    expect(failed(verifyExport(attestation, swapped))).toEqual([
      'export.order',
      'first_event_id',
      'rows_sha256',
      'policy_revisions',
    ]);
    const foreign = [...lines];
    foreign[3] = formatPage('jsonl', [record(3, { project_id: 'proj_b' })]).trimEnd();
    expect(failed(verifyExport(attestation, foreign))).toContain('export.scope');
    const extra = [...lines];
    extra[0] = lines[0].replace('{', '{"prompt":"x",');
    expect(failed(verifyExport(attestation, extra))[0]).toBe('export.format');
  });
});

describe('attestation key', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const dir = mkdtempSync(join(tmpdir(), 'pgw-attestation-key-'));
  const file = join(dir, 'key.pem');
  writeFileSync(file, pem);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a configured Ed25519 key, or generates an ephemeral one', () => {
    const configured = loadAttestationKey(pem);
    expect(configured.ephemeral).toBe(false);
    expect(configured.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(loadAttestationKey(pem).keyId).toBe(configured.keyId);
    expect(loadAttestationKey(undefined).ephemeral).toBe(true);
    expect(() => loadAttestationKey(rsa)).toThrow(/Ed25519/);
  });

  it('validates the environment without echoing the key', () => {
    expect(loadConfig(AttestationKeyEnv, { ATTESTATION_PRIVATE_KEY: pem }).ATTESTATION_PRIVATE_KEY).toBe(pem);
    expect(
      loadConfig(AttestationKeyEnv, { ATTESTATION_PRIVATE_KEY_FILE: file }).ATTESTATION_PRIVATE_KEY_FILE,
    ).toBe(file);
    const empty = loadConfig(AttestationKeyEnv, {
      ATTESTATION_PRIVATE_KEY: '',
      ATTESTATION_PRIVATE_KEY_FILE: '',
    });
    expect(empty.attestationPrivateKeyPem).toBe(undefined);
    expect(
      loadConfig(AttestationKeyEnv, { ATTESTATION_PRIVATE_KEY_FILE: file }).attestationPrivateKeyPem,
    ).toBe(pem);
    expect(attestationKeyPem({ file })).toBe(pem);
    const errorOf = (env: Record<string, string>): string => {
      try {
        loadConfig(AttestationKeyEnv, env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      return '';
    };
    const rsaError = errorOf({ ATTESTATION_PRIVATE_KEY: rsa });
    expect(rsaError).toMatch(/ATTESTATION_PRIVATE_KEY must hold an Ed25519/);
    expect(rsaError).not.toContain(rsa.slice(40, 80));
    expect(errorOf({ ATTESTATION_PRIVATE_KEY_FILE: join(dir, 'missing.pem') })).toMatch(
      /ATTESTATION_PRIVATE_KEY_FILE/,
    );
    expect(errorOf({ ATTESTATION_PRIVATE_KEY: pem, ATTESTATION_PRIVATE_KEY_FILE: file })).toMatch(
      /ATTESTATION_PRIVATE_KEY_FILE .*unset/,
    );
  });
});
