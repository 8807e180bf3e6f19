import { isRecord, PLAN_IDS, type KeyStateRecord, type PlanId } from '@pgw/contracts';

/** The few fields audit reads from a project state record (the policy service owns the rest). */
export interface ProjectSettings {
  projectId: string;
  plan: PlanId;
  auditRetentionDays: number;
}

export type KeyCredential = Pick<
  KeyStateRecord,
  'key_id' | 'project_id' | 'secret_hash' | 'status' | 'expires_at'
>;

function parse(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
}

export function decodeProjectSettings(value: Buffer): ProjectSettings | null {
  const record = parse(value);
  if (!isRecord(record)) return null;
  const { project_id, plan, audit_retention_days } = record;
  if (typeof project_id !== 'string' || project_id.length === 0 || project_id.length > 64) return null;
  if (typeof plan !== 'string' || !(PLAN_IDS as readonly string[]).includes(plan)) return null;
  if (
    typeof audit_retention_days !== 'number' ||
    !Number.isSafeInteger(audit_retention_days) ||
    audit_retention_days < 1
  ) {
    return null;
  }
  return { projectId: project_id, plan: plan as PlanId, auditRetentionDays: audit_retention_days };
}

export function decodeKeyCredential(value: Buffer): KeyCredential | null {
  const record = parse(value);
  if (!isRecord(record)) return null;
  const { key_id, project_id, secret_hash, status, expires_at } = record;
  if (typeof key_id !== 'string' || typeof project_id !== 'string' || typeof secret_hash !== 'string')
    return null;
  if (status !== 'active' && status !== 'revoked') return null;
  if (
    expires_at !== null &&
    expires_at !== undefined &&
    (typeof expires_at !== 'string' || Number.isNaN(Date.parse(expires_at)))
  ) {
    return null;
  }
  return { key_id, project_id, secret_hash, status, expires_at: expires_at ?? null };
}
