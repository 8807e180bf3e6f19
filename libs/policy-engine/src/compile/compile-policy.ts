import { type DetectorDef } from '../detectors/detector.types';
import { SIGNALS, type SignalDef } from '../detectors/injection.signals';
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
import { SharedScan } from '../matchers/shared-scan';
import { SignalMatcher } from '../matchers/signal.matcher';
import { type TermSpec, TermMatcher } from '../matchers/term.matcher';
import { normalizeString } from '../normalize/normalize-char';
import {
  DETECTOR_BY_CATEGORY,
  injectionFamily,
  type PolicyTarget,
  ruleKind,
  type RuleTarget,
  SEGMENT_ROLES,
  type SegmentRole,
} from '../schema/policy-categories';
import type { PolicyConfig } from '../schema/policy-config.schema';
import { type PolicyConfigError, validatePolicyConfig } from '../schema/validate-policy-config';
import { CompiledPolicy, type PrebuiltScans } from './compiled-policy';
import type { CompiledInjectionRule, CompiledRule, RolePlans, RuleFamily, TargetPlan } from './compiled-rule';
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
/**
 * The rule threshold multiplier for the model at the joint of two messages (2: probability >= 0.983 instead
 * of 0.868 at the default). On held-out ordinary prompts sent two per request, 1 flagged 0.6% of pairs that
 * neither prompt flags alone, 2 none (bench/policy-engine/split-messages.eval.ts).
 */
const BOUNDARY_STRICTNESS = 2;
/** Roles the application writes as its own instructions to the model. */
const AUTHORED_PROMPT_ROLES: ReadonlySet<SegmentRole> = new Set<SegmentRole>(['system', 'developer']);
/**
 * The same multiplier for system and developer prompts. They are the application's own set-up of the model,
 * and a persona set-up is what they normally say ("You are a helpful travel assistant." scores 0.91, as high
 * as a role-play jailbreak's opening): a jailbreak pasted there still scores above the stricter point, and
 * rule signals count there as anywhere (docs/injection-detection.md, "Roles").
 */
const AUTHORED_STRICTNESS = 2;
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

function appliesToRole(
  target: RuleTarget,
  roles: readonly SegmentRole[] | undefined,
  plan: PolicyTarget,
  role: SegmentRole | undefined,
): boolean {
  return applies(target, plan) && (role === undefined || roles === undefined || roles.includes(role));
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

/** The signal matcher (and allowlist) on a pass of its own, for the joint of two messages. */
interface SignalsOnly {
  scan: SharedScan;
  signalMatcher: SignalMatcher;
  allowMatchers: Matcher[];
}

/** A function that computes its value on the first call and returns it from then on. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** What plans of one target that differ only in injection rules share. */
interface PlanMatchers {
  scan: SharedScan;
  signals: readonly SignalDef[];
  signalMatcher: SignalMatcher | null;
  allowMatchers: Matcher[];
  blockMatchers: Matcher[];
  redactMatchers: Matcher[];
  flagMatchers: Matcher[];
  maxMatchLength: number;
  /** Built on first use (most requests have no joint to read), then kept. */
  signalsOnly: (() => SignalsOnly) | null;
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
   * automata are adopted instead of built, which is most of the work for large denylists. Keyed by the
   * target and rule set of each plan's scan, so per-role plans adopt their own tables.
   */
  prebuiltScans?: PrebuiltScans;
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
      roles: r.roles ? Object.freeze([...r.roles]) : null,
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

  const allowPartsFor = (target: PolicyTarget): LaneParts => {
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
    return allowParts;
  };

  /**
   * The matchers of one target for one set of non-injection rules. Plans of roles that differ only in
   * their injection rules share them (the signal matcher covers every injection rule of the target).
   */
  const buildMatchers = (target: PolicyTarget, active: readonly number[], scanKey: string): PlanMatchers => {
    const lanes: Record<'block' | 'redact' | 'flag', LaneParts> = {
      block: { detectors: [], terms: [], regexes: [] },
      redact: { detectors: [], terms: [], regexes: [] },
      flag: { detectors: [], terms: [], regexes: [] },
    };
    for (const i of active) {
      const r = config.rules[i];
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
      }
    }
    const signals = signalsOf(target);
    // One character pass per evaluation, shared by every matcher of this plan.
    const scan = new SharedScan();
    const signalMatcher = signals.length > 0 ? new SignalMatcher(signals, scan) : null;
    // Base64 runs found once per evaluation, shared by the plan's rescan matchers (one per lane).
    const base64Runs = new Base64Runs(scan);
    const allowMatchers = laneMatchers(allowPartsFor(target), scan, base64Runs);
    const blockMatchers = laneMatchers(lanes.block, scan, base64Runs);
    const redactMatchers = laneMatchers(lanes.redact, scan, base64Runs);
    const flagMatchers = laneMatchers(lanes.flag, scan, base64Runs);
    const prebuilt = options.prebuiltScans?.[scanKey];
    if (prebuilt) scan.adopt(prebuilt);
    void scan.ac; // build the shared automaton now, not on the first evaluation
    const holding = windowOf([...blockMatchers, ...redactMatchers]);
    const allowWindow = windowOf(allowMatchers);
    const maxMatchLength = holding === 0 ? 0 : holding + (allowWindow > 0 ? allowWindow - 1 : 0);
    // The text around a message boundary is read for injections with a pass of its own (no detectors).
    const signalsOnly =
      signals.length === 0
        ? null
        : once((): SignalsOnly => {
            const own = new SharedScan();
            const built = {
              scan: own,
              signalMatcher: new SignalMatcher(signals, own),
              allowMatchers: laneMatchers(allowPartsFor(target), own, new Base64Runs(own)),
            };
            void own.ac;
            return built;
          });
    return {
      scan,
      signals,
      signalMatcher,
      allowMatchers,
      blockMatchers,
      redactMatchers,
      flagMatchers,
      maxMatchLength: bufferStreaming ? Infinity : maxMatchLength,
      signalsOnly,
    };
  };

  /** Signals of every injection family some rule of the target names; all of them for `indirect`. */
  const signalsOf = (target: PolicyTarget): readonly SignalDef[] => {
    const families = new Set(
      config.rules
        .filter((r) => applies(r.target, target) && ruleKind(r.category) === 'injection')
        .map((r) => injectionFamily(r.category)),
    );
    return families.has('indirect') ? SIGNALS : SIGNALS.filter((s) => families.has(s.family));
  };

  // Keyed `${target}|${rule indexes}`: the same key in the worker's compile and in the main thread's.
  const matcherCache = new Map<string, PlanMatchers>();
  const planCache = new Map<string, TargetPlan>();

  /** The plan of the rules that apply to `target` and `role` (every role when undefined); memoised by rule set. */
  const buildPlan = (target: PolicyTarget, role: SegmentRole | undefined): TargetPlan => {
    const active = config.rules
      .map((r, i) => (appliesToRole(r.target, r.roles, target, role) ? i : -1))
      .filter((i) => i >= 0);
    const strictness = role !== undefined && AUTHORED_PROMPT_ROLES.has(role) ? AUTHORED_STRICTNESS : 1;
    const planKey = `${target}|${active.join(',')}|${strictness}`;
    const cached = planCache.get(planKey);
    if (cached) return cached;
    const matcherRules = active.filter((i) => ruleKind(config.rules[i].category) !== 'injection');
    const matcherKey = `${target}|${matcherRules.join(',')}`;
    let m = matcherCache.get(matcherKey);
    if (!m) {
      m = buildMatchers(target, matcherRules, matcherKey);
      matcherCache.set(matcherKey, m);
    }
    const injectionIndexes = active.filter((i) => ruleKind(config.rules[i].category) === 'injection');
    const injectionModel = injectionIndexes.length > 0 ? shippedInjectionModel() : null;
    const injectionRules: CompiledInjectionRule[] = [];
    if (injectionModel) {
      for (const index of injectionIndexes) {
        const r = config.rules[index];
        const family = injectionFamily(r.category);
        const overrides = r.weights ?? {};
        injectionRules.push(
          Object.freeze({
            rule: index,
            family,
            threshold: r.threshold ?? 1,
            weights: Object.freeze(
              m.signals.map((s) => (s.family === family ? (overrides[s.id] ?? s.weight) : 0)),
            ),
            contentWeights: Object.freeze(m.signals.map((s) => (family === 'indirect' ? s.weight : 0))),
            modelThreshold: modelThresholdFor(injectionModel, (r.threshold ?? 1) * strictness),
          }),
        );
      }
    }
    const base = {
      target,
      rules,
      injectionRules,
      injectionModel,
      context: LOOKBEHIND_CONTEXT,
      matchBudget,
      streamHoldLimit,
    };
    const signalsOnly = m.signalsOnly;
    const injectionOnly =
      injectionModel && signalsOnly
        ? once((): TargetPlan =>
            Object.freeze({
              ...base,
              // The joint of two messages is read by the model at a stricter operating point: two
              // unrelated texts side by side are not one prompt, and their joint should not add alarms.
              injectionRules: injectionRules.map((ir) =>
                Object.freeze({
                  ...ir,
                  modelThreshold: modelThresholdFor(
                    injectionModel,
                    (config.rules[ir.rule].threshold ?? 1) * BOUNDARY_STRICTNESS,
                  ),
                }),
              ),
              allowMatchers: signalsOnly().allowMatchers,
              blockMatchers: [],
              redactMatchers: [],
              flagMatchers: [],
              signalMatcher: signalsOnly().signalMatcher,
              scan: signalsOnly().scan,
              maxMatchLength: 0,
              injectionOnly: null,
            }),
          )
        : null;
    const plan: TargetPlan = Object.freeze({
      ...base,
      allowMatchers: m.allowMatchers,
      blockMatchers: m.blockMatchers,
      redactMatchers: m.redactMatchers,
      flagMatchers: m.flagMatchers,
      signalMatcher: injectionModel ? m.signalMatcher : null,
      scan: m.scan,
      maxMatchLength: m.maxMatchLength,
      injectionOnly,
    });
    planCache.set(planKey, plan);
    return plan;
  };

  const rolePlans = (target: PolicyTarget): RolePlans => {
    const byRole = Object.fromEntries(SEGMENT_ROLES.map((role) => [role, buildPlan(target, role)]));
    return Object.freeze({
      any: buildPlan(target, undefined),
      byRole: Object.freeze(byRole) as Readonly<Record<SegmentRole, TargetPlan>>,
    });
  };

  const plans = { input: rolePlans('input'), output: rolePlans('output') };
  const scans = new Map([...matcherCache].map(([key, m]) => [key, m.scan]));
  return new CompiledPolicy(config, Object.freeze(rules), plans, scans);
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
