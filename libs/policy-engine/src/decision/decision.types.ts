import type { PolicyTarget, RolloutMode, RuleAction, SegmentRole } from '../schema/policy-categories';
import type { ReasonCode } from './reason-codes';

export type Decision = 'allow' | 'flag' | 'redact' | 'block';

/**
 * Decision metadata: what the audit record carries. By construction it holds no text: only codes,
 * category names and counts.
 */
export interface DecisionMetadata {
  readonly decision: Decision;
  readonly reason_code: ReasonCode;
  readonly triggered_categories: readonly string[];
  readonly allowlist_hits: number;
  readonly denylist_hits: number;
  readonly policy_target: PolicyTarget;
  readonly rollout_mode: RolloutMode;
  /** True when the decision was applied to traffic (enforce, or canary inside the bucket). */
  readonly enforced: boolean;
}

/** Where something matched, as offsets into the original text (for dry runs); never the text itself. */
export interface FindingLocation {
  readonly rule_id: string;
  readonly category: string;
  readonly action: RuleAction;
  readonly start: number;
  readonly end: number;
}

export interface EvaluationResult {
  readonly metadata: DecisionMetadata;
  /** The text to forward: redacted when enforced, otherwise the original. Keep it out of logs. */
  readonly text: string;
  readonly findings: readonly FindingLocation[];
  /** Injection signals that fired (signal ids, for dry runs and tuning). */
  readonly signals: readonly string[];
}

/**
 * Who wrote a text (OpenAI message roles, plus `document` for retrieved content a client passes as its
 * own text). Content roles (tool, function, document) are where indirect injections live.
 */
export type MessageRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function' | 'document';

export interface EvaluateContext {
  target: PolicyTarget;
  /**
   * Who wrote this text: injection findings in content roles are `indirect`, and rules with `roles` only
   * apply to their roles. Without a role every rule applies.
   */
  role?: SegmentRole;
  /** User or request id: chooses the canary bucket. Without one, canary policies are not enforced. */
  bucketKey?: string;
}

/** One text of a request and who wrote it (see evaluateSegments). */
export interface TextSegment {
  readonly text: string;
  readonly role: SegmentRole;
}

export type SegmentsContext = Omit<EvaluateContext, 'role'>;

/** Where something matched in a request's segments; a value split across two segments gives two. */
export interface SegmentFindingLocation extends FindingLocation {
  /** Index of the segment `start` and `end` refer to. */
  readonly segment: number;
  /** True for each part of a match that straddles two adjacent segments. */
  readonly split: boolean;
}

export interface SegmentsResult {
  /** One decision over every segment (and the boundaries between them). */
  readonly metadata: DecisionMetadata;
  /** Each segment's text to forward, same order: redacted when enforced. Keep them out of logs. */
  readonly texts: readonly string[];
  readonly findings: readonly SegmentFindingLocation[];
  readonly signals: readonly string[];
}
