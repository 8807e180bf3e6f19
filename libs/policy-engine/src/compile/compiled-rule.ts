import type { InjectionFamily } from '../detectors/injection.signals';
import type { InjectionModel } from '../detectors/injection/injection-model';
import type { Matcher } from '../matchers/matcher.types';
import type { SharedScan } from '../matchers/shared-scan';
import type { SignalMatcher } from '../matchers/signal.matcher';
import type { PolicyTarget, RuleAction, RuleTarget, SegmentRole } from '../schema/policy-categories';

export type RuleFamily = 'secret' | 'pii' | 'injection' | 'denylist' | 'regex';

export const SEVERITY: Readonly<Record<RuleAction, number>> = { flag: 1, redact: 2, block: 3 };

export interface CompiledRule {
  readonly id: string;
  readonly category: string;
  readonly family: RuleFamily;
  readonly action: RuleAction;
  readonly target: RuleTarget;
  /** The roles the rule is limited to; null: every role. */
  readonly roles: readonly SegmentRole[] | null;
  readonly placeholder: string;
}

export interface CompiledInjectionRule {
  readonly rule: number;
  readonly family: InjectionFamily;
  readonly threshold: number;
  /** Weight of each signal of the plan's signal matcher (0 for other families). */
  readonly weights: readonly number[];
  /** The same for content roles (tool results, documents): every signal counts for `indirect` only. */
  readonly contentWeights: readonly number[];
  /**
   * Probability the learned model needs to fire this rule: from the rule's threshold, stricter in system and
   * developer prompts (compile-policy.ts, AUTHORED_STRICTNESS).
   */
  readonly modelThreshold: number;
}

/** Everything needed to scan one target (input or output). */
export interface TargetPlan {
  readonly target: PolicyTarget;
  readonly rules: readonly CompiledRule[];
  readonly allowMatchers: readonly Matcher[];
  /** Lanes: block and redact rules hold text back while undecided; flag rules and signals do not. */
  readonly blockMatchers: readonly Matcher[];
  readonly redactMatchers: readonly Matcher[];
  readonly flagMatchers: readonly Matcher[];
  readonly signalMatcher: SignalMatcher | null;
  /** The one character pass shared by this plan's matchers. */
  readonly scan: SharedScan;
  readonly injectionRules: readonly CompiledInjectionRule[];
  /** The learned injection detector, when the plan has injection rules. */
  readonly injectionModel: InjectionModel | null;
  /** Longest window of any block/redact matcher (+ allowlist context): the stream hold-back bound + 1. */
  readonly maxMatchLength: number;
  /** Characters kept before the scan position for look-behind. */
  readonly context: number;
  /** Characters the regex engine may examine per evaluation or stream (see MatchBudget). */
  readonly matchBudget: number;
  /**
   * The same injection rules with only the signal matcher (and allowlist), for the text around the
   * boundary of two messages (built on the first call, then kept); null without injection rules.
   */
  readonly injectionOnly: (() => TargetPlan) | null;
  /** Characters a stream redactor may hold back (StreamHoldLimitExceededError past it). */
  readonly streamHoldLimit: number;
}

/** A target's plans: `any` for texts without a role, one per role (shared where their rules agree). */
export interface RolePlans {
  readonly any: TargetPlan;
  readonly byRole: Readonly<Record<SegmentRole, TargetPlan>>;
}
