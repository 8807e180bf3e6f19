import type {
  MediaMode,
  RolloutMode,
  RuleAction,
  RuleTarget,
  SegmentRole,
  StreamingMode,
} from './policy-categories';

/** The JSON shape of a policy revision (what the admin API stores and publishes). */
export interface PolicyConfigInput {
  /** Schema version of the revision format. */
  version: 1;
  name?: string;
  description?: string;
  /** Default: enforce. */
  rollout?: { mode: RolloutMode; percentage?: number };
  /** Default: incremental (stream redaction with a bounded hold-back). */
  streaming?: { mode: StreamingMode };
  /**
   * Regions whose national phone formats `pii.phone` recognises without a country code (ISO 3166-1
   * alpha-2, tried in order). Default: the process default (DEFAULT_PHONE_REGIONS / setPhoneRegions).
   */
  phoneRegions?: string[];
  /**
   * Request media the engine cannot read: images, audio and files that are not text (inline or by URL / file
   * id). `allow` (default) passes them to the provider unscanned; `block` refuses the request
   * (`media_blocked`). Text files (text/*, JSON, XML, YAML, CSV...) are decoded and scanned either way.
   */
  media?: MediaMode;
  rules: PolicyRuleInput[];
  allowlist?: AllowlistEntryInput[];
}

export interface PolicyRuleInput {
  id: string;
  /** `pii.*`, `secret.*`, `injection.*` (built-in detectors), `denylist.<list>` or `regex.<name>`. */
  category: string;
  target: RuleTarget;
  action: RuleAction;
  /**
   * Only texts written by these roles (default: every role). A match straddling two messages counts when
   * the rule covers either of their roles.
   */
  roles?: SegmentRole[];
  /** Replacement text for `redact` (default `[REDACTED:<KIND>]`). */
  placeholder?: string;
  description?: string;
  /** denylist: the terms. */
  terms?: string[];
  /** denylist: match whole words only (default false). */
  wholeWord?: boolean;
  /** denylist / regex: case-sensitive matching (default false). */
  caseSensitive?: boolean;
  /** regex: a JavaScript regular expression source (no flags; use caseSensitive). */
  pattern?: string;
  /** regex: declared longest match; must be >= what the pattern allows. */
  maxLength?: number;
  /** injection: score needed to fire (default 1.0). */
  threshold?: number;
  /** injection: per-signal weight overrides. */
  weights?: Record<string, number>;
}

export interface AllowlistEntryInput {
  id: string;
  /** Default: both. */
  target?: RuleTarget;
  terms?: string[];
  patterns?: string[];
  caseSensitive?: boolean;
  wholeWord?: boolean;
}
