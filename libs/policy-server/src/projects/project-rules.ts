import { DEFAULT_AUDIT_RETENTION_DAYS, PLANS, type PlanId } from '@pgw/contracts';
import { effectiveLimits, findLoosenedLimit } from './limit-rules';

/** The settings the plan constrains, typed on only the fields the rules read. */
export interface PlanBoundSettings {
  plan: PlanId;
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  key_requests_per_minute: number | null;
  key_tokens_per_minute: number | null;
  audit_retention_days: number;
}

export interface SettingsViolation {
  /** `invalid` → 400; `plan_feature` → 403 plan_feature_unavailable. */
  kind: 'invalid' | 'plan_feature';
  param: string;
  message: string;
}

/**
 * The plan supplies the default limits and the retention ceiling; a project may only tighten limits,
 * per-key defaults may only tighten the project's, and retention beyond 30 days is an enterprise feature.
 */
export function checkPlanBoundSettings(settings: PlanBoundSettings): SettingsViolation | null {
  const plan = PLANS[settings.plan];
  const projectLimits = {
    requests_per_minute: settings.requests_per_minute,
    tokens_per_minute: settings.tokens_per_minute,
  };
  const loosened = findLoosenedLimit(plan, projectLimits, 'limits', `${plan.id} plan's limit`);
  if (loosened) return { kind: 'invalid', ...loosened };
  const keyLoosened = findLoosenedLimit(
    effectiveLimits(plan, projectLimits),
    {
      requests_per_minute: settings.key_requests_per_minute,
      tokens_per_minute: settings.key_tokens_per_minute,
    },
    'key_limits',
    "project's limit",
  );
  if (keyLoosened) return { kind: 'invalid', ...keyLoosened };
  if (settings.audit_retention_days > plan.max_audit_retention_days) {
    return plan.max_audit_retention_days <= DEFAULT_AUDIT_RETENTION_DAYS
      ? {
          kind: 'plan_feature',
          param: 'audit_retention_days',
          message: `Audit retention beyond ${DEFAULT_AUDIT_RETENTION_DAYS} days requires the enterprise plan (this project is on ${plan.id}).`,
        }
      : {
          kind: 'invalid',
          param: 'audit_retention_days',
          message: `audit_retention_days exceeds the ${plan.id} plan's maximum (${plan.max_audit_retention_days}).`,
        };
  }
  return null;
}
