// Public API of the policy engine: compile a policy revision into an immutable evaluator, evaluate whole
// texts, redact streams. Framework-free by design (no Nest, no I/O).
export {
  compilePolicy,
  tryCompilePolicy,
  type CompileOptions,
  type CompilePolicyResult,
} from './compile/compile-policy';
export { DEFAULT_MATCH_BUDGET, MatchBudgetExceededError } from './scan/match-budget';
export { DEFAULT_STREAM_HOLD_LIMIT, StreamHoldLimitExceededError } from './streaming/stream-hold-limit';
export { CompiledPolicy, type PrebuiltScans } from './compile/compiled-policy';
export type { CompiledRule, RuleFamily } from './compile/compiled-rule';
export { PolicyCompileError } from './compile/policy-compile.error';
export { analyzeRegex, type RegexAnalysis } from './compile/regex-analysis';

export {
  validatePolicyConfig,
  type PolicyConfigError,
  type PolicyValidationResult,
} from './schema/validate-policy-config';
export {
  PolicyConfig,
  PolicyRule,
  AllowlistEntry,
  RolloutConfig,
  StreamingConfig,
} from './schema/policy-config.schema';
export type { PolicyConfigInput, PolicyRuleInput, AllowlistEntryInput } from './schema/policy-config.types';
export {
  BUILTIN_CATEGORIES,
  CATEGORY_PATTERN,
  DETECTOR_CATEGORIES,
  INJECTION_CATEGORIES,
  POLICY_TARGETS,
  ROLLOUT_MODES,
  RULE_ACTIONS,
  RULE_TARGETS,
  SEGMENT_ROLES,
  CONTENT_ROLES,
  STREAMING_MODES,
  MEDIA_MODES,
  type PolicyTarget,
  type RolloutMode,
  type RuleAction,
  type RuleTarget,
  type SegmentRole,
  type StreamingMode,
  type MediaMode,
} from './schema/policy-categories';

export { REASON_CODES, ALL_REASON_CODES, type ReasonCode } from './decision/reason-codes';
export type {
  Decision,
  DecisionMetadata,
  EvaluateContext,
  EvaluationResult,
  FindingLocation,
  MessageRole,
  SegmentFindingLocation,
  SegmentsContext,
  SegmentsResult,
  TextSegment,
} from './decision/decision.types';
export { fnv1a32, canaryBucket, inCanary } from './decision/canary-bucket';

export type { StreamRedactor, StreamRedactorOptions } from './streaming/stream-redactor';

export { DETECTOR_IDS, type DetectorId } from './detectors/detector.types';
export {
  SIGNALS,
  INJECTION_FAMILIES,
  type InjectionFamily,
  type SignalDef,
} from './detectors/injection.signals';
export { luhnValid, ibanValid } from './detectors/checksums';
export { DEFAULT_PHONE_REGIONS, phoneRegions, setPhoneRegions } from './detectors/pii/phone-numbering';
export { normalizeString } from './normalize/normalize-char';

export { defaultPolicyConfig, samplePolicyConfig } from './presets/default-policy';
export { scanTableBuffers, type ScanTables } from './matchers/shared-scan';
