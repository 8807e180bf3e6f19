import type { DecisionKind, PolicyTarget, RolloutMode } from '@pgw/contracts';

/**
 * What the gateway needs from a compiled policy. policy-engine.adapter.ts is the only file that knows the
 * engine's own API and implements this on top of it.
 */
export interface PolicyOutcome {
  decision: DecisionKind;
  reasonCode: string;
  categories: string[];
  allowlistHits: number;
  denylistHits: number;
  /** Whether the decision was applied (false in shadow mode and for canary requests outside the bucket). */
  enforced: boolean;
}

/**
 * Who wrote a text of a request: the message's role for everything inside a message (its content, name,
 * tool calls), `document` for retrieved content passed as such, `field` for text outside messages (tool
 * definitions, JSON schemas, metadata, user). Tool results are where indirect injections live, and
 * policies can limit rules to roles.
 */
export type TextRole =
  'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function' | 'document' | 'field';

/**
 * One text of a request, in reading order. A field map (chat-request-fields.ts; one per API) produces the
 * list; `evaluate` judges it as one request: consecutive texts are also read across their joint, so a
 * secret or an instruction split between two messages is still found.
 */
export interface TextSegment {
  readonly text: string;
  readonly role: TextRole;
}

export interface TextRedactor {
  /** Feeds generated text; returns the text that is safe to release now (redacted when enforced). */
  push(text: string): string;
  /** No more text: returns whatever was held back (redacted when enforced). */
  end(): string;
  /** An enforced block matched: stop the stream (nothing of the match was released). */
  readonly blocked: boolean;
  outcome(): PolicyOutcome;
}

/**
 * A compiled policy revision with its rollout (enforce / shadow / canary). `bucketKey` (the request's
 * `user`, else its request id) picks the canary bucket, so one request gets one verdict on both targets.
 */
export interface CompiledPolicy {
  readonly policyId: string;
  readonly rolloutMode: RolloutMode;
  /**
   * One decision over the texts of one request (one target); `texts` are the segments' texts, redacted
   * only when enforced (same order).
   */
  evaluate(
    segments: readonly TextSegment[],
    target: PolicyTarget,
    bucketKey: string,
  ): { outcome: PolicyOutcome; texts: string[] };
  streamRedactor(target: PolicyTarget, bucketKey: string): TextRedactor;
  /**
   * Whether the output may be redacted or blocked for this bucket (an enforced redact or block rule on
   * output). Output fields the gateway cannot scan (logprobs, unknown structures) are dropped then.
   */
  outputAlterable(bucketKey: string): boolean;
  /**
   * The decision on a request that carries media the engine cannot read (images, audio, files that are not
   * text): null when the policy lets media through (`media: allow`, the default), else a block
   * (`media_blocked`), enforced as the rollout says for this bucket.
   */
  mediaOutcome(bucketKey: string): PolicyOutcome | null;
}

/**
 * The input decision of one request, for every endpoint: its texts judged as one request, then, when it
 * carries media the engine cannot read, the policy's `media` setting merged in (a block wins).
 */
export function evaluateInput(
  policy: CompiledPolicy | null,
  texts: readonly TextSegment[],
  mediaParts: number,
  bucketKey: string,
): { outcome: PolicyOutcome; texts: string[] } {
  const input = policy
    ? policy.evaluate(texts, 'input', bucketKey)
    : { outcome: ALLOW, texts: texts.map((s) => s.text) };
  const media = mediaParts > 0 ? policy?.mediaOutcome(bucketKey) : null;
  if (media) input.outcome = mergeOutcomes([input.outcome, media]);
  return input;
}

/** The reason and category a decision names when the policy's `media: block` refused a request. */
export const MEDIA_BLOCKED = { reasonCode: 'media_blocked', category: 'media.opaque' } as const;

export const ALLOW: PolicyOutcome = Object.freeze({
  decision: 'allow',
  reasonCode: 'allowed',
  categories: [],
  allowlistHits: 0,
  denylistHits: 0,
  enforced: true,
}) as PolicyOutcome;

const RANK: Record<DecisionKind, number> = { allow: 0, flag: 1, redact: 2, block: 3 };

/** Precedence block > redact > flag > allow; categories are unioned and hits summed. */
export function mergeOutcomes(outcomes: readonly PolicyOutcome[]): PolicyOutcome {
  if (outcomes.length === 0) return ALLOW;
  if (outcomes.length === 1) return outcomes[0];
  let top = outcomes[0];
  const categories = new Set<string>();
  let allowlistHits = 0;
  let denylistHits = 0;
  for (const outcome of outcomes) {
    if (RANK[outcome.decision] > RANK[top.decision]) top = outcome;
    for (const category of outcome.categories) categories.add(category);
    allowlistHits += outcome.allowlistHits;
    denylistHits += outcome.denylistHits;
  }
  return {
    decision: top.decision,
    reasonCode: top.reasonCode,
    categories: [...categories],
    allowlistHits,
    denylistHits,
    enforced: top.enforced,
  };
}
