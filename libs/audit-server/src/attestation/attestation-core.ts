/**
 * Compliance attestations, framework-free: the canonical row form, the streamed row digest, the signed
 * document and its offline verification. This file imports nothing but `node:crypto` on purpose:
 * scripts/verify-attestation.mjs compiles and loads this very file, so the service and the offline verifier
 * cannot disagree on the canonical form.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Version 1 = the canonical form and signed fields documented in docs/audit-service.md. */
export const ATTESTATION_VERSION = 1;

/** The attested columns in canonical order: the documented audit fields, exactly the JSONL export's keys. */
export const ATTESTED_COLUMNS = [
  'event_id',
  'created_at',
  'project_id',
  'request_id',
  'decision',
  'reason_code',
  'triggered_categories',
  'rollout_mode',
  'enforced',
  'policy_id',
  'policy_user',
  'policy_project_id',
  'policy_target',
  'allowlist_hits',
  'denylist_hits',
  'model',
] as const;

export interface AttestedRow {
  event_id: string;
  created_at: string;
  project_id: string;
  request_id: string;
  decision: string;
  reason_code: string;
  triggered_categories: string[];
  rollout_mode: string;
  enforced: boolean;
  policy_id: string | null;
  policy_user: string | null;
  policy_project_id: string;
  policy_target: string;
  allowlist_hits: number;
  denylist_hits: number;
  model: string;
}

/** A policy revision that decided attested rows (decision rows carry one policy_id per revision). */
export interface PolicyRevisionSummary {
  policy_id: string | null;
  /** The N of a `<project>.r<N>` policy id; null for any other id (or no policy). */
  revision: number | null;
  row_count: number;
  first_seen_at: string;
  last_seen_at: string;
}

export interface Attestation {
  version: number;
  project_id: string;
  /** [from, to) on created_at, ISO-8601 UTC with milliseconds. */
  period: { from: string; to: string };
  row_count: number;
  first_event_id: string | null;
  last_event_id: string | null;
  /** Hex SHA-256 over the canonical lines of the rows, in (created_at, event_id) order. */
  rows_sha256: string;
  policy_revisions: PolicyRevisionSummary[];
  generated_at: string;
  key_id: string;
}

export interface SignedAttestation {
  attestation: Attestation;
  /** Base64 Ed25519 signature over `canonicalJson(attestation)` (UTF-8). */
  signature: string;
  /** Informative only: verify with a public key obtained independently (GET .../attestations/public-key). */
  public_key_pem: string;
}

export type RowsSummary = Pick<
  Attestation,
  'row_count' | 'first_event_id' | 'last_event_id' | 'rows_sha256' | 'policy_revisions'
>;

/**
 * One row's canonical line: a JSON object with the attested columns in ATTESTED_COLUMNS order, serialised
 * by ECMAScript JSON.stringify (no whitespace), then a line feed. Byte for byte a JSONL export line.
 */
export function canonicalRowLine(row: AttestedRow): string {
  const ordered: Record<string, unknown> = {};
  for (const column of ATTESTED_COLUMNS) ordered[column] = row[column];
  return `${JSON.stringify(ordered)}\n`;
}

const REVISION_SUFFIX = /\.r(\d{1,9})$/;

export const revisionOf = (policyId: string | null): number | null => {
  const match = policyId === null ? null : REVISION_SUFFIX.exec(policyId);
  return match ? Number(match[1]) : null;
};

/**
 * Streams rows (in canonical order) into the summary an attestation carries. Memory is constant in the
 * number of rows: one hash state plus one entry per policy revision seen.
 */
export class RowDigest {
  private readonly hash = createHash('sha256');
  private count = 0;
  private first: string | null = null;
  private last: string | null = null;
  private readonly revisions = new Map<string | null, PolicyRevisionSummary>();

  add(row: AttestedRow): void {
    this.hash.update(canonicalRowLine(row), 'utf8');
    this.count++;
    this.first ??= row.event_id;
    this.last = row.event_id;
    const seen = this.revisions.get(row.policy_id);
    if (seen) {
      seen.row_count++;
      seen.last_seen_at = row.created_at;
    } else {
      this.revisions.set(row.policy_id, {
        policy_id: row.policy_id,
        revision: revisionOf(row.policy_id),
        row_count: 1,
        first_seen_at: row.created_at,
        last_seen_at: row.created_at,
      });
    }
  }

  /** Call once, after the last row. Revisions are listed in order of first appearance. */
  summary(): RowsSummary {
    return {
      row_count: this.count,
      first_event_id: this.first,
      last_event_id: this.last,
      rows_sha256: this.hash.digest('hex'),
      policy_revisions: [...this.revisions.values()],
    };
  }
}

/**
 * Deterministic JSON (RFC 8785 JCS for the values an attestation holds: strings, integers, booleans, null,
 * arrays, objects): object keys sorted by UTF-16 code units, no whitespace. The signed bytes.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const signingBytes = (attestation: Attestation): Buffer => Buffer.from(canonicalJson(attestation), 'utf8');

/** First 16 hex characters of the SHA-256 of the public key's SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function signAttestation(attestation: Attestation, privateKey: KeyObject): string {
  return sign(null, signingBytes(attestation), privateKey).toString('base64');
}

// --- Offline verification ---

export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerificationReport {
  ok: boolean;
  checks: VerificationCheck[];
}

const report = (checks: VerificationCheck[]): VerificationReport => ({
  ok: checks.every((check) => check.ok),
  checks,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/** The first field that makes `value` not an attestation document, or null. */
export function attestationShapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'the document is not a JSON object';
  const { attestation: a, signature } = value;
  if (typeof signature !== 'string' || signature.length === 0) return 'signature is missing';
  if (!isObject(a)) return 'attestation is missing';
  if (a.version !== ATTESTATION_VERSION) return `attestation.version is not ${ATTESTATION_VERSION}`;
  if (typeof a.project_id !== 'string') return 'attestation.project_id is not a string';
  const period = a.period;
  if (!isObject(period) || typeof period.from !== 'string' || typeof period.to !== 'string')
    return 'attestation.period is not {from, to}';
  if (!ISO_MS.test(period.from) || !ISO_MS.test(period.to)) return 'attestation.period is not ISO-8601 UTC';
  if (!isCount(a.row_count)) return 'attestation.row_count is not a count';
  if (typeof a.rows_sha256 !== 'string') return 'attestation.rows_sha256 is not a string';
  if (!Array.isArray(a.policy_revisions)) return 'attestation.policy_revisions is not an array';
  if (typeof a.key_id !== 'string') return 'attestation.key_id is not a string';
  return null;
}

/** Loads a PEM public key (SPKI) and insists on Ed25519. */
export function ed25519PublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the public key is not an Ed25519 key');
  return key;
}

/**
 * Checks the signature of an attestation document with a public key the verifier trusts (never the
 * `public_key_pem` inside the document, which anyone could replace together with the signature).
 */
export function verifyAttestationSignature(
  document: unknown,
  trustedPublicKeyPem: string,
): VerificationReport {
  const problem = attestationShapeProblem(document);
  if (problem) return report([{ name: 'format', ok: false, detail: problem }]);
  const { attestation, signature } = document as unknown as SignedAttestation;
  const publicKey = ed25519PublicKey(trustedPublicKeyPem);
  const keyId = keyIdOf(publicKey);
  const keyMatches = attestation.key_id === keyId;
  const valid = verify(null, signingBytes(attestation), publicKey, Buffer.from(signature, 'base64'));
  return report([
    {
      name: 'key_id',
      ok: keyMatches,
      detail: keyMatches
        ? `the attestation names the given key (${keyId})`
        : `the attestation names key ${attestation.key_id}, the given public key is ${keyId}`,
    },
    {
      name: 'signature',
      ok: valid,
      detail: valid
        ? 'the Ed25519 signature over the canonical attestation is valid'
        : 'the signature does not match the attestation (altered, or signed by another key)',
    },
  ]);
}

type ColumnCheck = (value: unknown) => boolean;
const text: ColumnCheck = (v) => typeof v === 'string';
const nullableText: ColumnCheck = (v) => v === null || typeof v === 'string';
const COLUMN_CHECKS: Record<(typeof ATTESTED_COLUMNS)[number], ColumnCheck> = {
  event_id: (v) => typeof v === 'string' && UUID.test(v),
  created_at: (v) => typeof v === 'string' && ISO_MS.test(v),
  project_id: text,
  request_id: text,
  decision: text,
  reason_code: text,
  triggered_categories: (v) => Array.isArray(v) && v.every((c) => typeof c === 'string'),
  rollout_mode: text,
  enforced: (v) => typeof v === 'boolean',
  policy_id: nullableText,
  policy_user: nullableText,
  policy_project_id: text,
  policy_target: text,
  allowlist_hits: isCount,
  denylist_hits: isCount,
  model: text,
};

/** One JSONL export line → the row it records, or the reason it is not one. */
export function parseExportLine(line: string): { row: AttestedRow } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'not valid JSON' };
  }
  if (!isObject(value)) return { problem: 'not a JSON object' };
  const keys = Object.keys(value);
  const unknown = keys.find((key) => !(ATTESTED_COLUMNS as readonly string[]).includes(key));
  if (unknown !== undefined) return { problem: `unexpected field ${unknown}` };
  for (const column of ATTESTED_COLUMNS) {
    if (!(column in value)) return { problem: `missing field ${column}` };
    if (!COLUMN_CHECKS[column](value[column]))
      return { problem: `field ${column} has the wrong type or form` };
  }
  return { row: value as unknown as AttestedRow };
}

/**
 * Recomputes an attestation's row summary from a JSONL export (fed line by line, in file order) and
 * compares it with what was attested. The export must be of the same project and period.
 */
export class ExportVerifier {
  private readonly digest = new RowDigest();
  private lineNo = 0;
  private formatProblem: string | null = null;
  private scopeProblem: string | null = null;
  private orderProblem: string | null = null;
  private previous: { createdAt: string; eventId: string } | null = null;

  constructor(private readonly attestation: Attestation) {}

  addLine(line: string): void {
    this.lineNo++;
    if (line.trim() === '') return;
    const parsed = parseExportLine(line);
    if ('problem' in parsed) {
      this.formatProblem ??= `line ${this.lineNo}: ${parsed.problem}`;
      return;
    }
    const { row } = parsed;
    const { project_id: projectId, period } = this.attestation;
    if (row.project_id !== projectId) {
      this.scopeProblem ??= `line ${this.lineNo}: project ${row.project_id}, attested ${projectId}`;
    } else if (row.created_at < period.from || row.created_at >= period.to) {
      this.scopeProblem ??= `line ${this.lineNo}: created_at ${row.created_at} is outside the period`;
    }
    const previous = this.previous;
    if (
      previous &&
      (row.created_at < previous.createdAt ||
        (row.created_at === previous.createdAt && row.event_id <= previous.eventId))
    ) {
      this.orderProblem ??= `line ${this.lineNo}: not after the previous row in (created_at, event_id) order`;
    }
    this.previous = { createdAt: row.created_at, eventId: row.event_id };
    this.digest.add(row);
  }

  finish(): VerificationReport {
    const computed = this.digest.summary();
    const attested = this.attestation;
    const same = (name: keyof RowsSummary): VerificationCheck => {
      const ok = canonicalJson(computed[name]) === canonicalJson(attested[name]);
      return {
        name,
        ok,
        detail: ok
          ? `matches (${shorten(computed[name])})`
          : `export gives ${shorten(computed[name])}, attested ${shorten(attested[name])}`,
      };
    };
    const problem = (name: string, found: string | null, fine: string): VerificationCheck => ({
      name,
      ok: found === null,
      detail: found ?? fine,
    });
    return report([
      problem('export.format', this.formatProblem, 'every line is an audit record'),
      problem('export.scope', this.scopeProblem, "every row is in the attestation's project and period"),
      problem('export.order', this.orderProblem, 'rows are in (created_at, event_id) order'),
      same('row_count'),
      same('first_event_id'),
      same('last_event_id'),
      same('rows_sha256'),
      same('policy_revisions'),
    ]);
  }
}

function shorten(value: unknown): string {
  const json = canonicalJson(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}
