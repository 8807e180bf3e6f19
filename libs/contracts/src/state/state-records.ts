import type { RolloutMode } from '../events/decision-event';
import type { PlanId } from './plans';

/**
 * Records on the compacted state topics, keyed by id. The latest record per key is the state; a null
 * value (tombstone) removes it. The policy service publishes them through its outbox; billing publishes
 * quota state. Gateways (and audit/billing for project settings) follow them from the beginning.
 */
export interface RateLimits {
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
}

export interface ProjectStateRecord {
  project_id: string;
  name: string;
  plan: PlanId;
  default_rollout_mode: RolloutMode;
  allowed_models: string[];
  /** Effective project limits (the plan's defaults, possibly tightened). */
  limits: RateLimits;
  /** Default limits for each key of the project, unless the key sets its own. */
  key_limits: RateLimits;
  monthly_budget_micros: number | null;
  budget_soft_alert_percent: number;
  audit_retention_days: number;
  updated_at: string;
}

export const KEY_STATUSES = ['active', 'revoked'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export interface KeyStateRecord {
  key_id: string;
  project_id: string;
  /** sha256 (hex) of the key's secret part; the secret itself is never stored or published. */
  secret_hash: string;
  status: KeyStatus;
  allowed_models: string[] | null;
  limits: RateLimits | null;
  expires_at: string | null;
  updated_at: string;
}

export interface PolicyStateRecord {
  project_id: string;
  policy_id: string;
  revision: number;
  rollout_mode: RolloutMode;
  canary_percent: number;
  /** The revision's full policy config, as validated by the policy engine. */
  config: unknown;
  activated_at: string;
}

export interface QuotaStateRecord {
  project_id: string;
  period: string;
  spent_micros: number;
  limit_micros: number | null;
  soft_limit_micros: number | null;
  exhausted: boolean;
  updated_at: string;
}
