import { type CompiledRule, type RuleFamily, SEVERITY } from '../compile/compiled-rule';
import type { PolicyTarget, RolloutMode } from '../schema/policy-categories';
import type { Decision, DecisionMetadata } from './decision.types';
import { type ReasonCode, REASON_CODES } from './reason-codes';

const FAMILY_ORDER: Readonly<Record<RuleFamily, number>> = {
  secret: 0,
  injection: 1,
  pii: 2,
  denylist: 3,
  regex: 4,
};
const DECISION_BY_SEVERITY: readonly Decision[] = ['allow', 'flag', 'redact', 'block'];
/** The audit contract caps the list (64 entries). */
const MAX_CATEGORIES = 64;

function reasonFor(rule: CompiledRule): ReasonCode {
  switch (rule.family) {
    case 'secret':
      return rule.action === 'redact' ? REASON_CODES.secret_redacted : REASON_CODES.secret_detected;
    case 'pii':
      return rule.action === 'redact' ? REASON_CODES.pii_redacted : REASON_CODES.pii_detected;
    case 'injection':
      return REASON_CODES.prompt_injection;
    case 'denylist':
      return REASON_CODES.denylist_match;
    case 'regex':
      return REASON_CODES.regex_match;
  }
}

export interface DecisionInputs {
  rules: readonly CompiledRule[];
  /** Indexes of the rules that triggered (any order, duplicates allowed). */
  triggered: Iterable<number>;
  allowlistHits: number;
  denylistHits: number;
  target: PolicyTarget;
  rolloutMode: RolloutMode;
  enforced: boolean;
}

/** Precedence block > redact > flag > allow; the reason code is that of the highest-precedence rule. */
export function decide(inputs: DecisionInputs): DecisionMetadata {
  let top: CompiledRule | null = null;
  const categories = new Set<string>();
  for (const index of inputs.triggered) {
    const rule = inputs.rules[index];
    categories.add(rule.category);
    if (
      top === null ||
      SEVERITY[rule.action] > SEVERITY[top.action] ||
      (SEVERITY[rule.action] === SEVERITY[top.action] && FAMILY_ORDER[rule.family] < FAMILY_ORDER[top.family])
    ) {
      top = rule;
    }
  }
  return Object.freeze({
    decision: top ? DECISION_BY_SEVERITY[SEVERITY[top.action]] : 'allow',
    reason_code: top ? reasonFor(top) : REASON_CODES.allowed,
    triggered_categories: Object.freeze([...categories].sort().slice(0, MAX_CATEGORIES)),
    allowlist_hits: inputs.allowlistHits,
    denylist_hits: inputs.denylistHits,
    policy_target: inputs.target,
    rollout_mode: inputs.rolloutMode,
    enforced: inputs.enforced,
  });
}
