/** Plans are data: each supplies default limits, a retention ceiling and feature gates. */
export const PLAN_IDS = ['free', 'team', 'enterprise'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export interface PlanDefinition {
  id: PlanId;
  requests_per_minute: number;
  tokens_per_minute: number;
  max_audit_retention_days: number;
  exports_allowed: boolean;
  attestations_allowed: boolean;
  /** Higher sheds later when the gateway is saturated. */
  priority_class: number;
}

export const PLANS: Readonly<Record<PlanId, PlanDefinition>> = {
  free: {
    id: 'free',
    requests_per_minute: 60,
    tokens_per_minute: 60_000,
    max_audit_retention_days: 30,
    exports_allowed: false,
    attestations_allowed: false,
    priority_class: 0,
  },
  team: {
    id: 'team',
    requests_per_minute: 600,
    tokens_per_minute: 1_000_000,
    max_audit_retention_days: 30,
    exports_allowed: false,
    attestations_allowed: false,
    priority_class: 1,
  },
  enterprise: {
    id: 'enterprise',
    requests_per_minute: 6_000,
    tokens_per_minute: 10_000_000,
    max_audit_retention_days: 3650,
    exports_allowed: true,
    attestations_allowed: true,
    priority_class: 2,
  },
};

export const DEFAULT_AUDIT_RETENTION_DAYS = 30;
