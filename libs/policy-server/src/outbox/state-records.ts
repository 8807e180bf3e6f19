import {
  PLANS,
  type KeyStateRecord,
  type PolicyStateRecord,
  type ProjectStateRecord,
  type RateLimits,
} from '@pgw/contracts';
import type { ApiKeyEntity } from '../keys/api-key.entity';
import type { PolicyRevisionEntity } from '../policies/policy-revision.entity';
import type { ProjectEntity } from '../projects/project.entity';
import { effectiveLimits } from '../projects/limit-rules';

/** Pure mappings from rows to the records on the compacted state topics (entities never leave as-is). */

export function projectLimits(project: ProjectEntity): RateLimits {
  return effectiveLimits(PLANS[project.plan], {
    requests_per_minute: project.requests_per_minute,
    tokens_per_minute: project.tokens_per_minute,
  });
}

export function projectKeyLimits(project: ProjectEntity): RateLimits {
  return {
    requests_per_minute: project.key_requests_per_minute,
    tokens_per_minute: project.key_tokens_per_minute,
  };
}

export function toProjectStateRecord(project: ProjectEntity): ProjectStateRecord {
  return {
    project_id: project.id,
    name: project.name,
    plan: project.plan,
    default_rollout_mode: project.default_rollout_mode,
    allowed_models: project.allowed_models,
    limits: projectLimits(project),
    key_limits: projectKeyLimits(project),
    monthly_budget_micros: project.monthly_budget_micros,
    budget_soft_alert_percent: project.budget_soft_alert_percent,
    audit_retention_days: project.audit_retention_days,
    updated_at: project.updated_at.toISOString(),
  };
}

export function keyLimits(key: ApiKeyEntity): RateLimits | null {
  return key.requests_per_minute === null && key.tokens_per_minute === null
    ? null
    : { requests_per_minute: key.requests_per_minute, tokens_per_minute: key.tokens_per_minute };
}

export function toKeyStateRecord(key: ApiKeyEntity): KeyStateRecord {
  return {
    key_id: key.id,
    project_id: key.project_id,
    secret_hash: key.secret_hash,
    status: key.revoked_at ? 'revoked' : 'active',
    allowed_models: key.allowed_models,
    limits: keyLimits(key),
    expires_at: key.expires_at?.toISOString() ?? null,
    updated_at: key.updated_at.toISOString(),
  };
}

/** The id a decision record carries as `policy_id`: one per revision, stable and readable. */
export const policyIdOf = (projectId: string, revision: number): string => `${projectId}.r${revision}`;

export function toPolicyStateRecord(revision: PolicyRevisionEntity, activatedAt: Date): PolicyStateRecord {
  return {
    project_id: revision.project_id,
    policy_id: policyIdOf(revision.project_id, revision.revision),
    revision: revision.revision,
    rollout_mode: revision.rollout_mode,
    canary_percent: revision.canary_percent,
    config: revision.config,
    activated_at: activatedAt.toISOString(),
  };
}
