import { Injectable } from '@nestjs/common';
import type { PolicyTarget } from '@pgw/contracts';

/**
 * The one place this service touches the policy engine (@pgw/policy-engine: validatePolicyConfig /
 * compilePolicy / evaluate). The engine library was not published yet when this was written, so the
 * methods below carry an INTERIM minimal implementation of the same contract (validate + compile with an
 * error path; evaluate to decision metadata). Replace their bodies with calls into the engine; nothing
 * else in the service changes.
 */
export type CompileOutcome =
  { ok: true; compiled: CompiledPolicy } | { ok: false; message: string; path: string };

export interface DryRunDecision {
  decision: 'block' | 'redact' | 'flag' | 'allow';
  reason_code: string;
  triggered_categories: string[];
  allowlist_hits: number;
  denylist_hits: number;
}

export interface CompiledPolicy {
  evaluate(text: string, target: PolicyTarget): DryRunDecision;
}

const ACTIONS = ['block', 'redact', 'flag'] as const;
const TARGETS = ['input', 'output', 'both'] as const;
type Action = (typeof ACTIONS)[number];

/** Interim: the engine's config format (`version: 1`, denylists, regexes, allowlist), without detectors. */
interface InterimRule {
  category: string;
  reason: string;
  target: (typeof TARGETS)[number];
  action: Action;
  terms: string[];
  pattern: RegExp | null;
}

class ConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringList(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError(path, `${path} must be a non-empty array.`);
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item.length === 0) {
      throw new ConfigError(`${path}[${index}]`, `${path}[${index}] must be a non-empty string.`);
    }
  });
  return value as string[];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ConfigError(path, `${path} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

function name(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9_-]{1,64}$/i.test(value)) {
    throw new ConfigError(path, `${path} must be a short identifier.`);
  }
  return value;
}

function regex(source: unknown, path: string): RegExp {
  if (typeof source !== 'string' || source.length === 0 || source.length > 500) {
    throw new ConfigError(path, `${path} must be a pattern of 1..500 characters.`);
  }
  try {
    return new RegExp(source, 'i');
  } catch {
    throw new ConfigError(path, `${path} is not a valid regular expression.`);
  }
}

function list(config: Record<string, unknown>, key: string): unknown[] {
  const value = config[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(key, `${key} must be an array.`);
  return value;
}

function compileInterim(config: unknown): { rules: InterimRule[]; allowlist: string[] } {
  if (!isRecord(config)) throw new ConfigError('', 'The policy config must be an object.');
  if (config.version !== 1) throw new ConfigError('version', 'version must be 1.');
  const rules: InterimRule[] = [];
  const base = (raw: unknown, path: string): Pick<InterimRule, 'target' | 'action'> => {
    if (!isRecord(raw)) throw new ConfigError(path, `${path} must be an object.`);
    name(raw.id, `${path}.id`);
    return {
      target: oneOf(raw.target, TARGETS, `${path}.target`),
      action: oneOf(raw.action, ACTIONS, `${path}.action`),
    };
  };
  list(config, 'denylists').forEach((raw, index) => {
    const path = `denylists[${index}]`;
    const common = base(raw, path);
    const rule = raw as Record<string, unknown>;
    rules.push({
      ...common,
      category: `denylist.${name(rule.list, `${path}.list`)}`,
      reason: 'denylist_match',
      terms: stringList(rule.terms, `${path}.terms`).map((term) => term.toLowerCase()),
      pattern: null,
    });
  });
  list(config, 'regexes').forEach((raw, index) => {
    const path = `regexes[${index}]`;
    const common = base(raw, path);
    const rule = raw as Record<string, unknown>;
    rules.push({
      ...common,
      category: `regex.${name(rule.name, `${path}.name`)}`,
      reason: 'regex_match',
      terms: [],
      pattern: regex(rule.pattern, `${path}.pattern`),
    });
  });
  if (list(config, 'detectors').length > 0) {
    throw new ConfigError(
      'detectors',
      'detectors need the policy engine (not wired into the policy service yet).',
    );
  }
  const allowlist = list(config, 'allowlist').flatMap((raw, index) =>
    isRecord(raw) && raw.terms !== undefined ? stringList(raw.terms, `allowlist[${index}].terms`) : [],
  );
  return { rules, allowlist: allowlist.map((term) => term.toLowerCase()) };
}

const PRECEDENCE: Record<DryRunDecision['decision'], number> = { allow: 0, flag: 1, redact: 2, block: 3 };

@Injectable()
export class PolicyEngineAdapter {
  /** Validates and compiles a config; `path` names the offending field (`rules[2].action`, '' for the root). */
  compile(config: unknown): CompileOutcome {
    try {
      const { rules, allowlist } = compileInterim(config);
      return {
        ok: true,
        compiled: { evaluate: (text, target) => evaluateInterim(rules, allowlist, text, target) },
      };
    } catch (error) {
      if (error instanceof ConfigError) return { ok: false, message: error.message, path: error.path };
      throw error;
    }
  }
}

function evaluateInterim(
  rules: InterimRule[],
  allowlist: string[],
  text: string,
  target: PolicyTarget,
): DryRunDecision {
  const lower = text.toLowerCase();
  const allowlistHits = allowlist.filter((term) => lower.includes(term)).length;
  let decision: DryRunDecision['decision'] = 'allow';
  let reason = 'allowed';
  const categories = new Set<string>();
  let denylistHits = 0;
  for (const rule of rules) {
    if (rule.target !== 'both' && rule.target !== target) continue;
    const hits =
      rule.terms.filter((term) => lower.includes(term) && !allowlist.some((ok) => ok.includes(term))).length +
      (rule.pattern?.test(text) ? 1 : 0);
    if (hits === 0) continue;
    if (rule.terms.length > 0) denylistHits += hits;
    categories.add(rule.category);
    if (PRECEDENCE[rule.action] > PRECEDENCE[decision]) {
      decision = rule.action;
      reason = rule.reason;
    }
  }
  return {
    decision,
    reason_code: reason,
    triggered_categories: [...categories].sort(),
    allowlist_hits: allowlistHits,
    denylist_hits: denylistHits,
  };
}
