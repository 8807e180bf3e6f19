import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { SIGNALS } from '../detectors/injection.signals';
import { isSupportedPhoneRegion } from '../detectors/pii/phone-numbering';
import { injectionFamily, ruleKind } from './policy-categories';
import { PolicyConfig } from './policy-config.schema';

export interface PolicyConfigError {
  /** Path to the offending field, e.g. `rules[3].action`. */
  path: string;
  message: string;
}

export type PolicyValidationResult =
  { ok: true; config: PolicyConfig } | { ok: false; errors: PolicyConfigError[] };

function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

function flatten(errors: readonly ValidationError[], parent: string, out: PolicyConfigError[]): void {
  for (const e of errors) {
    const path = joinPath(parent, e.property);
    for (const message of Object.values(e.constraints ?? {})) out.push({ path, message });
    if (e.children?.length) flatten(e.children, path, out);
  }
}

const FIELDS_BY_KIND: Record<string, readonly string[]> = {
  detector: [],
  injection: ['threshold', 'weights'],
  denylist: ['terms', 'wholeWord', 'caseSensitive'],
  regex: ['pattern', 'maxLength', 'caseSensitive'],
};
const KIND_FIELDS = [
  'terms',
  'wholeWord',
  'caseSensitive',
  'pattern',
  'maxLength',
  'threshold',
  'weights',
] as const;

/** Rules the decorators cannot express: fields that only make sense for some categories, unique ids. */
function crossFieldErrors(config: PolicyConfig): PolicyConfigError[] {
  const errors: PolicyConfigError[] = [];
  const ids = new Set<string>();
  config.rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (ids.has(rule.id)) errors.push({ path: `${at}.id`, message: `duplicate rule id '${rule.id}'` });
    ids.add(rule.id);
    const kind = ruleKind(rule.category);
    for (const field of KIND_FIELDS) {
      if (rule[field] !== undefined && !FIELDS_BY_KIND[kind].includes(field)) {
        errors.push({
          path: `${at}.${field}`,
          message: `${field} is not allowed for category ${rule.category}`,
        });
      }
    }
    if (kind === 'denylist' && (!rule.terms || rule.terms.length === 0)) {
      errors.push({ path: `${at}.terms`, message: 'a denylist rule needs at least one term' });
    }
    if (kind === 'regex' && rule.pattern === undefined) {
      errors.push({ path: `${at}.pattern`, message: 'a regex rule needs a pattern' });
    }
    if (kind === 'injection') {
      if (rule.action === 'redact') {
        errors.push({ path: `${at}.action`, message: 'injection rules can only block or flag' });
      }
      const family = injectionFamily(rule.category);
      for (const [key, value] of Object.entries(rule.weights ?? {})) {
        const signal = SIGNALS.find((s) => s.id === key);
        if (!signal || signal.family !== family) {
          const known = SIGNALS.filter((s) => s.family === family).map((s) => s.id);
          errors.push({
            path: `${at}.weights.${key}`,
            message: `unknown signal for ${rule.category}; one of: ${known.join(', ')}`,
          });
        } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
          errors.push({ path: `${at}.weights.${key}`, message: 'weight must be a number between 0 and 100' });
        }
      }
    }
    if (rule.placeholder !== undefined && rule.action !== 'redact') {
      errors.push({ path: `${at}.placeholder`, message: 'placeholder only applies to redact rules' });
    }
  });
  (config.phoneRegions ?? []).forEach((code, i) => {
    if (!isSupportedPhoneRegion(code)) {
      errors.push({ path: `phoneRegions[${i}]`, message: `'${code}' is not a region with phone metadata` });
    }
  });
  const allowIds = new Set<string>();
  (config.allowlist ?? []).forEach((entry, i) => {
    const at = `allowlist[${i}]`;
    if (allowIds.has(entry.id))
      errors.push({ path: `${at}.id`, message: `duplicate allowlist id '${entry.id}'` });
    allowIds.add(entry.id);
    if (!entry.terms?.length && !entry.patterns?.length) {
      errors.push({ path: at, message: 'an allowlist entry needs terms or patterns' });
    }
  });
  return errors;
}

/**
 * Validates a policy revision given as plain JSON: unknown fields and wrong types are rejected with the
 * path of the field. Semantic checks that need compilation (regex safety, bounds) are in compilePolicy.
 */
export function validatePolicyConfig(json: unknown): PolicyValidationResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, errors: [{ path: '', message: 'a policy must be a JSON object' }] };
  }
  const config = plainToInstance(PolicyConfig, json, { enableImplicitConversion: false });
  const validationErrors = validateSync(config, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const errors: PolicyConfigError[] = [];
  flatten(validationErrors, '', errors);
  if (errors.length > 0) return { ok: false, errors };
  const semantic = crossFieldErrors(config);
  if (semantic.length > 0) return { ok: false, errors: semantic };
  return { ok: true, config };
}
