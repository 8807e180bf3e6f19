import { type DetectorDef } from '../detectors/detector.types';
import { SIGNALS } from '../detectors/injection.signals';
import { modelThresholdFor, shippedInjectionModel } from '../detectors/injection/shipped-model';
import { PHONE, PII_DETECTORS } from '../detectors/pii.detectors';
import { phoneDetector } from '../detectors/pii/phone.detector';
import { PhoneNumbering } from '../detectors/pii/phone-numbering';
import {
  GENERIC_ASSIGNMENT,
  GENERIC_ASSIGNMENT_SHAPES,
  SECRET_DETECTORS,
} from '../detectors/secret.detectors';
import { Base64RescanMatcher, Base64Runs } from '../matchers/base64-rescan.matcher';
import { DetectorGroupMatcher, type DetectorEntry } from '../matchers/detector-group.matcher';
import type { Matcher } from '../matchers/matcher.types';
import { LinearRegex } from '../matchers/linear-regex';
import { RegexGroupMatcher, type RegexSpec } from '../matchers/regex-group.matcher';
import type { RegexShape } from '../matchers/regex.matcher';
import { SharedScan, type ScanTables } from '../matchers/shared-scan';
import { SignalMatcher } from '../matchers/signal.matcher';
import { type TermSpec, TermMatcher } from '../matchers/term.matcher';
import { normalizeString } from '../normalize/normalize-char';
import {
  DETECTOR_BY_CATEGORY,
  injectionFamily,
  type PolicyTarget,
  ruleKind,
  type RuleTarget,
} from '../schema/policy-categories';
import type { PolicyConfig } from '../schema/policy-config.schema';
import { type PolicyConfigError, validatePolicyConfig } from '../schema/validate-policy-config';
import { CompiledPolicy } from './compiled-policy';
import type { CompiledInjectionRule, CompiledRule, RuleFamily, TargetPlan } from './compiled-rule';
import { PolicyCompileError } from './policy-compile.error';
import { DEFAULT_MATCH_BUDGET } from '../scan/match-budget';
import { DEFAULT_STREAM_HOLD_LIMIT } from '../streaming/stream-hold-limit';
import { analyzeRegex, parseRegex } from './regex-analysis';
import { toLinearSource } from './regex-linear-source';

/** Built-in detectors in tie-break order: specific secrets, then PII, then the generic assignment. */
const DETECTOR_ORDER: readonly DetectorDef[] = [
  ...SECRET_DETECTORS.filter((d) => d !== GENERIC_ASSIGNMENT),
  ...PII_DETECTORS,
  GENERIC_ASSIGNMENT,
];
const DETECTORS = new Map(DETECTOR_ORDER.map((d) => [d.id, d]));
const FAMILY_RANK: Readonly<Record<RuleFamily, number>> = {
  secret: 0,
  pii: 1,
  injection: 2,
  denylist: 3,
  regex: 4,
};
/** Longest regex match accepted for streamed output (the stream may hold back this much). */
const MAX_STREAM_WINDOW = 16_384;
/** Text kept before the scan position: look-behinds (<= 64) and assignment back-reach (<= 99). */
const LOOKBEHIND_CONTEXT = 128;

interface PreparedRegex {
  /** RE2 syntax for the linear-time engine. */
  source: string;
  shape: RegexShape;
}

function applies(target: RuleTarget, plan: PolicyTarget): boolean {
  return target === 'both' || target === plan;
}

function familyOf(category: string): RuleFamily {
  const kind = ruleKind(category);
  if (kind === 'detector') return category.startsWith('secret.') ? 'secret' : 'pii';
  return kind;
}

/** Phone detectors per region list, shared by the policies that name the same list. */
const phoneDetectors = new Map<string, DetectorDef>();

function phoneDetectorFor(regions: readonly string[] | undefined): DetectorDef {
  if (regions === undefined) return PHONE;
  const key = regions.join(',');
  let def = phoneDetectors.get(key);
  if (def === undefined) {
    if (phoneDetectors.size >= 64) phoneDetectors.clear();
    def = phoneDetector(new PhoneNumbering(regions));
    phoneDetectors.set(key, def);
  }
  return def;
}

function defaultPlaceholder(category: string): string {
  const detector = DETECTOR_BY_CATEGORY.get(category);
  if (detector) return (DETECTORS.get(detector) as DetectorDef).placeholder;
  return `[REDACTED:${category.slice(category.indexOf('.') + 1).toUpperCase()}]`;
}

/** Checks a user regex; returns its matcher shape or pushes errors at `path`. */
function prepareRegex(
  pattern: string,
  caseSensitive: boolean,
  declaredMax: number | undefined,
  streamed: boolean,
  path: string,
  errors: PolicyConfigError[],
): PreparedRegex | null {
  const flags = caseSensitive ? '' : 'i';
  try {
    new RegExp(pattern, flags);
  } catch (e) {
    errors.push({ path, message: `invalid regular expression: ${(e as Error).message}` });
    return null;
  }
  let analysis;
  let linearSource: string;
  try {
    analysis = analyzeRegex(pattern, flags);
    linearSource = toLinearSource(parseRegex(pattern, flags));
    new LinearRegex(linearSource); // checks the engine accepts it (and its program size)
  } catch (e) {
    errors.push({ path, message: `unsupported regular expression: ${(e as Error).message}` });
    return null;
  }
  if (analysis.issues.length > 0) {
    errors.push({ path, message: `unsafe regular expression: ${analysis.issues.join('; ')}` });
    return null;
  }
  const max = analysis.maxLength;
  if (declaredMax !== undefined && max > declaredMax) {
    const derived = Number.isFinite(max) ? `up to ${max}` : 'unboundedly many';
    errors.push({
      path,
      message: `pattern can match ${derived} characters but maxLength is ${declaredMax}; bound its quantifiers ({n,m})`,
    });
    return null;
  }
  if (streamed && !Number.isFinite(max)) {
    errors.push({
      path,
      message:
        'no bound on match length (like .*, \\w+): streamed output needs bounded quantifiers ({n,m}); or set streaming.mode to "buffer"',
    });
    return null;
  }
  if (streamed && max + analysis.lookahead > MAX_STREAM_WINDOW) {
    errors.push({
      path,
      message: `matches up to ${max} characters; streamed output allows at most ${MAX_STREAM_WINDOW}`,
    });
    return null;
  }
  return {
    source: linearSource,
    shape: {
      window: max + analysis.lookahead,
      lookahead: analysis.lookahead,
      first: analysis.first,
      token: analysis.token,
    },
  };
}

function normalizedTerms(terms: readonly string[], path: string, errors: PolicyConfigError[]): string[] {
  return terms.map((t, j) => {
    const n = normalizeString(t);
    if (n.length === 0) errors.push({ path: `${path}[${j}]`, message: 'term is empty after normalisation' });
    return n;
  });
}

interface LaneParts {
  detectors: DetectorEntry[];
  terms: TermSpec[];
  regexes: RegexSpec[];
}

function laneMatchers(parts: LaneParts, scan: SharedScan, base64Runs: Base64Runs): Matcher[] {
  const matchers: Matcher[] = [];
  for (let i = 0; i < parts.detectors.length; i += DetectorGroupMatcher.MAX) {
    matchers.push(new DetectorGroupMatcher(parts.detectors.slice(i, i + DetectorGroupMatcher.MAX), scan));
  }
  // The same detectors again on base64 runs, decoded (a finding there redacts the encoded span).
  if (parts.detectors.length > 0) matchers.push(new Base64RescanMatcher(parts.detectors, base64Runs));
  if (parts.terms.length > 0) matchers.push(new TermMatcher(parts.terms, scan));
  matchers.push(...RegexGroupMatcher.build(parts.regexes));
  return matchers;
}

function windowOf(matchers: readonly Matcher[]): number {
  return matchers.reduce((max, m) => Math.max(max, m.window), 0);
}

export interface CompileOptions {
  /**
   * Characters the linear-time regex engine may examine for one evaluation or one stream; past it the
   * evaluation throws MatchBudgetExceededError (fail closed). Default DEFAULT_MATCH_BUDGET (64 Mi).
   */
  matchBudget?: number;
  /**
   * Characters one stream redactor may hold back before it fails closed with
   * StreamHoldLimitExceededError. Default DEFAULT_STREAM_HOLD_LIMIT (1 Mi).
   */
  streamHoldLimit?: number;
  /**
   * Scan tables built by a worker thread compiling the same config (CompiledPolicy.scanTables()): the
   * automata are adopted instead of built, which is most of the work for large denylists.
   */
  prebuiltScans?: Partial<Record<PolicyTarget, ScanTables>>;
}

/**
 * Validates and compiles a policy revision into an immutable evaluator. Throws PolicyCompileError (with
 * the path of the first problem and the full list) when the revision cannot be activated.
 */
export function compilePolicy(input: unknown, options: CompileOptions = {}): CompiledPolicy {
  const matchBudget = options.matchBudget ?? DEFAULT_MATCH_BUDGET;
  const streamHoldLimit = options.streamHoldLimit ?? DEFAULT_STREAM_HOLD_LIMIT;
  const validation = validatePolicyConfig(input);
  if (!validation.ok) throw new PolicyCompileError(validation.errors);
  const config: PolicyConfig = validation.config;
  const errors: PolicyConfigError[] = [];
  const bufferStreaming = config.streaming?.mode === 'buffer';
  const phone = phoneDetectorFor(config.phoneRegions);

  const rules: CompiledRule[] = config.rules.map((r) =>
    Object.freeze({
      id: r.id,
      category: r.category,
      family: familyOf(r.category),
      action: r.action,
      target: r.target,
      placeholder: r.placeholder ?? defaultPlaceholder(r.category),
    }),
  );

  // Per-rule material, checked once, shared by both target plans.
  const regexes = new Map<number, PreparedRegex>();
  const terms = new Map<number, string[]>();
  config.rules.forEach((r, i) => {
    const kind = ruleKind(r.category);
    if (kind === 'regex') {
      const streamed = !bufferStreaming && applies(r.target, 'output');
      const prepared = prepareRegex(
        r.pattern as string,
        r.caseSensitive === true,
        r.maxLength,
        streamed,
        `rules[${i}].pattern`,
        errors,
      );
      if (prepared) regexes.set(i, prepared);
    } else if (kind === 'denylist') {
      terms.set(i, normalizedTerms(r.terms ?? [], `rules[${i}].terms`, errors));
    }
  });
  const allowlist = config.allowlist ?? [];
  const allowRegexes = new Map<string, PreparedRegex>();
  const allowTerms = new Map<number, string[]>();
  allowlist.forEach((entry, i) => {
    const streamed = !bufferStreaming && applies(entry.target ?? 'both', 'output');
    (entry.patterns ?? []).forEach((p, j) => {
      const prepared = prepareRegex(
        p,
        entry.caseSensitive === true,
        undefined,
        streamed,
        `allowlist[${i}].patterns[${j}]`,
        errors,
      );
      if (prepared) allowRegexes.set(`${i}:${j}`, prepared);
    });
    allowTerms.set(i, normalizedTerms(entry.terms ?? [], `allowlist[${i}].terms`, errors));
  });
  if (errors.length > 0) throw new PolicyCompileError(errors);

  const buildPlan = (target: PolicyTarget): TargetPlan => {
    const lanes: Record<'block' | 'redact' | 'flag', LaneParts> = {
      block: { detectors: [], terms: [], regexes: [] },
      redact: { detectors: [], terms: [], regexes: [] },
      flag: { detectors: [], terms: [], regexes: [] },
    };
    const injectionConfigs: { index: number; threshold: number; weights: Record<string, number> }[] = [];
    config.rules.forEach((r, i) => {
      if (!applies(r.target, target)) return;
      const lane = lanes[r.action];
      const kind = ruleKind(r.category);
      const rank = FAMILY_RANK[rules[i].family] * 100_000;
      if (kind === 'detector') {
        const builtIn = DETECTORS.get(
          DETECTOR_BY_CATEGORY.get(r.category) as DetectorDef['id'],
        ) as DetectorDef;
        const def = builtIn === PHONE ? phone : builtIn;
        const priority = rank + DETECTOR_ORDER.indexOf(builtIn) * 1000 + i;
        lane.detectors.push({ def, rule: i, priority });
        if (builtIn === GENERIC_ASSIGNMENT) {
          for (const shape of GENERIC_ASSIGNMENT_SHAPES)
            lane.detectors.push({ def: shape, rule: i, priority });
        }
      } else if (kind === 'denylist') {
        for (const term of terms.get(i) ?? []) {
          lane.terms.push({
            term,
            rule: i,
            priority: rank + i,
            wholeWord: r.wholeWord === true,
            caseSensitive: r.caseSensitive === true,
          });
        }
      } else if (kind === 'regex') {
        const p = regexes.get(i) as PreparedRegex;
        lane.regexes.push({ source: p.source, rule: i, priority: rank + i, shape: p.shape });
      } else {
        injectionConfigs.push({ index: i, threshold: r.threshold ?? 1, weights: r.weights ?? {} });
      }
    });

    const allowParts: LaneParts = { detectors: [], terms: [], regexes: [] };
    allowlist.forEach((entry, i) => {
      if (!applies(entry.target ?? 'both', target)) return;
      for (const term of allowTerms.get(i) ?? []) {
        allowParts.terms.push({
          term,
          rule: -1 - i,
          priority: i,
          wholeWord: entry.wholeWord === true,
          caseSensitive: entry.caseSensitive === true,
        });
      }
      (entry.patterns ?? []).forEach((_p, j) => {
        const p = allowRegexes.get(`${i}:${j}`) as PreparedRegex;
        allowParts.regexes.push({
          source: p.source,
          rule: -1 - i,
          priority: i,
          shape: p.shape,
        });
      });
    });

    // One character pass per evaluation, shared by every matcher of this plan.
    const scan = new SharedScan();
    let signalMatcher: SignalMatcher | null = null;
    const injectionRules: CompiledInjectionRule[] = [];
    const injectionModel = injectionConfigs.length > 0 ? shippedInjectionModel() : null;
    if (injectionModel) {
      const families = new Set(injectionConfigs.map((c) => injectionFamily(config.rules[c.index].category)));
      const signals = SIGNALS.filter((s) => families.has(s.family));
      if (signals.length > 0) signalMatcher = new SignalMatcher(signals, scan);
      for (const c of injectionConfigs) {
        const family = injectionFamily(config.rules[c.index].category);
        injectionRules.push(
          Object.freeze({
            rule: c.index,
            family,
            threshold: c.threshold,
            weights: Object.freeze(
              signals.map((s) => (s.family === family ? (c.weights[s.id] ?? s.weight) : 0)),
            ),
            modelThreshold: modelThresholdFor(injectionModel, c.threshold),
          }),
        );
      }
    }

    const base64Runs = new Base64Runs(scan);
    const allowMatchers = laneMatchers(allowParts, scan, base64Runs);
    const blockMatchers = laneMatchers(lanes.block, scan, base64Runs);
    const redactMatchers = laneMatchers(lanes.redact, scan, base64Runs);
    const flagMatchers = laneMatchers(lanes.flag, scan, base64Runs);
    const prebuilt = options.prebuiltScans?.[target];
    if (prebuilt) scan.adopt(prebuilt);
    void scan.ac; // build the shared automaton now, not on the first evaluation
    const holding = windowOf([...blockMatchers, ...redactMatchers]);
    const allowWindow = windowOf(allowMatchers);
    const maxMatchLength = holding === 0 ? 0 : holding + (allowWindow > 0 ? allowWindow - 1 : 0);
    return Object.freeze({
      target,
      rules,
      allowMatchers,
      blockMatchers,
      redactMatchers,
      flagMatchers,
      scan,
      signalMatcher,
      injectionRules,
      injectionModel,
      maxMatchLength: bufferStreaming ? Infinity : maxMatchLength,
      context: LOOKBEHIND_CONTEXT,
      matchBudget,
      streamHoldLimit,
    });
  };

  return new CompiledPolicy(config, Object.freeze(rules), {
    input: buildPlan('input'),
    output: buildPlan('output'),
  });
}

export type CompilePolicyResult =
  { ok: true; policy: CompiledPolicy } | { ok: false; errors: readonly PolicyConfigError[] };

/** compilePolicy without exceptions, for admin APIs that report every problem at once. */
export function tryCompilePolicy(input: unknown, options: CompileOptions = {}): CompilePolicyResult {
  try {
    return { ok: true, policy: compilePolicy(input, options) };
  } catch (e) {
    if (e instanceof PolicyCompileError) return { ok: false, errors: e.errors };
    throw e;
  }
}
