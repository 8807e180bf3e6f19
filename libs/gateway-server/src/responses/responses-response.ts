import { GatewayError } from '../errors/gateway-error';
import type { ResponseContext, ResponseStages, UnaryResult } from '../exchange/response-stages';
import { applyResponsesOutputPolicy, countResponseOutputChars } from '../fields/responses-response-fields';
import { isRecord } from '../fields/free-text';
import { ALLOW, type PolicyOutcome } from '../policy/policy-port';
import { NO_USAGE, usageOf } from '../settlement/request-record';
import { ResponsesStreamRedaction } from './responses-stream-redaction';
import { responsesUsage } from './responses-usage';

/** Called with each response id the provider issues for a request (its owner is recorded). */
export type ResponseIdSink = (x: ResponseContext, id: string) => void;

/**
 * The Responses API's output stages: a Response object (POST /v1/responses, GET /v1/responses/{id}) or a
 * stream of typed response events, through the output policy (responses-response-fields).
 */
export function responsesStages(onResponseId: ResponseIdSink): ResponseStages {
  return {
    unary: (x, raw) => responsesUnary(x, raw, onResponseId),
    stream: (x, emit) =>
      new ResponsesStreamRedaction(x.record.policy, x.bucketKey, emit, (id) => onResponseId(x, id)),
    errorEvent: ResponsesStreamRedaction.errorEvent,
  };
}

function responsesUnary(x: ResponseContext, raw: Buffer, onResponseId: ResponseIdSink): UnaryResult {
  let response: unknown;
  try {
    response = JSON.parse(raw.toString());
  } catch {
    throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  if (!isRecord(response)) {
    throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
  }
  if (typeof response.id === 'string') onResponseId(x, response.id);
  const policy = x.record.policy;
  let outcome: PolicyOutcome = ALLOW;
  let outputChars = 0;
  if (policy) ({ outcome, outputChars } = applyResponsesOutputPolicy(response, policy, x.bucketKey));
  else outputChars = countResponseOutputChars(response);
  const rewritten = outcome.enforced && (outcome.decision === 'redact' || outcome.decision === 'block');
  return {
    body: rewritten ? JSON.stringify(response) : raw,
    outcome,
    usage: usageOf(responsesUsage(response.usage), x.inputTokens, outputChars),
  };
}

/**
 * Stored-response calls that carry no generated text (DELETE, input_items: the input as the provider
 * received it, already judged): the provider's body passes back, no output decision, no tokens.
 */
export const PASS_THROUGH_STAGES: ResponseStages = {
  unary: (_x, raw) => ({ body: raw, outcome: null, usage: NO_USAGE }),
  stream: () => {
    throw new GatewayError('internal_error', 'This call is never streamed.');
  },
  errorEvent: ResponsesStreamRedaction.errorEvent,
};
