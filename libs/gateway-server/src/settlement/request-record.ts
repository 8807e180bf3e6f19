import {
  CODE_PATTERN,
  MODEL_ID_PATTERN,
  type DecisionTarget,
  type PolicyTarget,
  type UsageStatus,
} from '@pgw/contracts';
import type { Caller } from '../auth/key-authenticator';
import type { BudgetReservation } from '../limits/budget-guard';
import type { Admission } from '../limits/request-limits';
import type { UpstreamLoad } from '../load-shedding/priority-admission';
import type { CompiledPolicy, PolicyOutcome } from '../policy/policy-port';

/**
 * What one request took and decided, filled in by the request and response stages and settled once by
 * Settlement. Plain data: any endpoint (chat completions now, Responses or Embeddings next) fills the same
 * record, so budget, limits, load shedding, events and metrics are settled the same way for all of them.
 */
export interface RequestRecord {
  readonly requestId: string;
  readonly caller: Caller;
  /** performance.now() when the request arrived (added latency). */
  readonly t0: number;
  /** Date.now() when the request arrived (started_at). */
  readonly startedMs: number;
  /** The API the request came through: decision events name it in policy_target (see decisionTarget). */
  endpoint: Endpoint;
  /** The client's model string: recorded only when known (see recordedModel). */
  model: string;
  /** Named by the operator (a route) or the project admin (an allow list), not only by the client. */
  modelKnown: boolean;
  stream: boolean;
  user: string | null;
  policy: CompiledPolicy | null;
  /** The budget the request holds (null: no budget, or not reserved yet), settled to its actual cost. */
  budget: BudgetReservation | null;
  admission: Admission | null;
  /** The upstream slot taken by load shedding's admission. */
  load: UpstreamLoad | null;
  inputOutcome: PolicyOutcome | null;
  inputDecidedMs: number;
  outputOutcome: PolicyOutcome | null;
  /** The upstream's HTTP status (0 when it was never reached). */
  upstreamStatus: number;
  upstreamMs: number;
}

export function newRequestRecord(caller: Caller, requestId: string): RequestRecord {
  return {
    requestId,
    caller,
    t0: performance.now(),
    startedMs: Date.now(),
    endpoint: 'chat',
    model: '',
    modelKnown: false,
    stream: false,
    user: null,
    policy: null,
    budget: null,
    admission: null,
    load: null,
    inputOutcome: null,
    inputDecidedMs: 0,
    outputOutcome: null,
    upstreamStatus: 0,
    upstreamMs: 0,
  };
}

export type Endpoint = 'chat' | 'responses' | 'embeddings';

/** policy_target of a decision: the rule target, prefixed by the endpoint unless chat completions. */
export function decisionTarget(endpoint: Endpoint, target: PolicyTarget): DecisionTarget {
  return endpoint === 'chat' ? target : (`${endpoint}.${target}` as DecisionTarget);
}

/** What usage rows, decision events and metrics say for a model nobody but the client named. */
export const UNKNOWN_MODEL = 'unknown';

/**
 * The model as stored, published and counted: the client's string only when the operator or the project
 * named it, or the provider answered it successfully (a real model id); otherwise UNKNOWN_MODEL, so a
 * client cannot put text into billing rows, the usage topic or metric labels through the model field. A
 * name that is not a model-id token (spaces, over 128 chars) is `unknown` even then: billing's CHECK refuses it.
 */
export function recordedModel(record: RequestRecord): string {
  const status = record.upstreamStatus;
  const known = record.modelKnown || (status >= 200 && status < 300);
  return known && MODEL_ID_PATTERN.test(record.model) ? record.model : UNKNOWN_MODEL;
}

/** An error code as stored: ours are tokens; anything else (never expected) is recorded as `other`. */
export const recordedErrorCode = (code: string | null): string | null =>
  code === null ? null : CODE_PATTERN.test(code) ? code : 'other';

export interface Usage {
  input: number;
  output: number;
  estimated: boolean;
}

export const NO_USAGE: Usage = Object.freeze({ input: 0, output: 0, estimated: false });

/** How the request ended, as billed and counted. */
export interface Settled {
  httpStatus: number;
  status: UsageStatus;
  errorCode: string | null;
  usage: Usage;
}

export interface ProviderUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The provider's token counts when it gave both, else the estimate (chars/4 for the output). */
export function usageOf(
  usage: Partial<ProviderUsage> | null | undefined,
  inputEstimate: number,
  outputChars: number,
): Usage {
  if (usage && Number.isSafeInteger(usage.prompt_tokens) && Number.isSafeInteger(usage.completion_tokens)) {
    return {
      input: usage.prompt_tokens as number,
      output: usage.completion_tokens as number,
      estimated: false,
    };
  }
  return { input: inputEstimate, output: Math.ceil(outputChars / 4), estimated: true };
}
