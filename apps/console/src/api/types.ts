/** Response shapes of the /admin/v1 APIs the console reads (docs/openapi, docs/*-service.md). */

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface RateLimits {
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
}

export type PlanId = 'free' | 'team' | 'enterprise';
export type RolloutMode = 'enforce' | 'shadow' | 'canary';

export interface Plan {
  id: PlanId;
  requests_per_minute: number;
  tokens_per_minute: number;
  max_audit_retention_days: number;
  exports_allowed: boolean;
  attestations_allowed: boolean;
  priority_class: number;
}

export interface Project {
  id: string;
  name: string;
  plan: PlanId;
  default_rollout_mode: RolloutMode;
  allowed_models: string[];
  limits: RateLimits;
  key_limits: RateLimits;
  monthly_budget_micros: number | null;
  budget_soft_alert_percent: number;
  audit_retention_days: number;
  active_policy_revision: number | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKey {
  id: string;
  project_id: string;
  name: string;
  prefix: string;
  status: 'active' | 'revoked' | string;
  allowed_models: string[] | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface CreatedKey extends ApiKey {
  key: string;
}

export interface ConfigChange {
  op: string;
  path: string;
}

export interface PolicyRevision {
  project_id: string;
  policy_id: string;
  revision: number;
  active: boolean;
  rollout_mode: RolloutMode;
  canary_percent: number | null;
  config: Record<string, unknown>;
  author: string;
  message: string | null;
  diff: ConfigChange[];
  rolled_back_from: number | null;
  created_at: string;
}

export interface DryRunResult {
  revision: number | null;
  target: 'input' | 'output';
  decision: Decision;
  reason_code: string;
  triggered_categories: string[];
  allowlist_hits: number;
  denylist_hits: number;
}

export type Decision = 'allow' | 'flag' | 'redact' | 'block';

export interface AuditRecord {
  event_id: string;
  created_at: string;
  project_id: string;
  request_id: string;
  decision: Decision;
  reason_code: string;
  triggered_categories: string[];
  rollout_mode: RolloutMode;
  enforced: boolean;
  policy_id: string | null;
  policy_user: string | null;
  policy_project_id: string | null;
  policy_target: 'input' | 'output';
  allowlist_hits: number;
  denylist_hits: number;
  model: string;
}

export interface AuditStatsBucket {
  start: string;
  total: number;
  decisions: Record<Decision, number>;
  categories: Record<string, number>;
}

export interface AuditStats {
  bucket: 'hour' | 'day';
  from: string;
  to: string;
  buckets: AuditStatsBucket[];
}

export interface Attestation {
  attestation: {
    project_id: string;
    period: { from: string; to: string };
    row_count: number;
    rows_sha256: string;
    key_id: string;
    generated_at: string;
  };
  signature: string;
  public_key_pem: string;
}

export interface UsageTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_micros: number;
  cost_usd: string;
}

export interface UsageReport {
  project_id: string;
  from: string;
  to: string;
  group_by: 'model' | 'day';
  totals: UsageTotals;
  breakdown: (UsageTotals & { model?: string; day?: string })[];
}

export interface Budget {
  project_id: string;
  period: string;
  spent_micros: number;
  spent_usd: string;
  limit_micros: number | null;
  limit_usd: string | null;
  soft_limit_micros: number | null;
  soft_limit_reached: boolean;
  exhausted: boolean;
  alerts: { kind: 'soft' | 'exhausted'; created_at: string }[];
  as_of: string;
}

export interface Price {
  model: string;
  price_micros_per_million: number;
  price_usd_per_million: string;
  effective_from: string;
  created_at: string;
}

export interface PriceList {
  default_price_micros_per_million: number;
  data: Price[];
}
