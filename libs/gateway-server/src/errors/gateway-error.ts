import { openAiError, type OpenAiErrorBody } from '@pgw/contracts';

/**
 * Every failure the gateway answers with, coded. One table maps codes to the HTTP status and OpenAI error
 * type, so the documented error table (docs/gateway-service.md) and the code cannot drift apart.
 */
export const GATEWAY_ERRORS = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  model_not_found: { status: 400, type: 'invalid_request_error' },
  /** The policy's regex work budget ran out on this request (see docs/security-limits.md): fail closed. */
  policy_match_budget_exceeded: { status: 400, type: 'invalid_request_error' },
  /**
   * Checking the streamed output would mean holding back more than the limit (docs/security-limits.md):
   * the stream ends with this error event (fail closed). Only ever sent mid-stream.
   */
  stream_hold_limit_exceeded: { status: 502, type: 'api_error' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  /** A policy block; the code sent is the rule's reason code. */
  policy_block: { status: 403, type: 'policy_violation' },
  unknown_url: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'requests' },
  budget_exceeded: { status: 429, type: 'insufficient_quota' },
  upstream_rate_limited: { status: 429, type: 'requests' },
  internal_error: { status: 500, type: 'api_error' },
  upstream_error: { status: 502, type: 'api_error' },
  policy_unavailable: { status: 503, type: 'api_error' },
  /** Starting: the key, project, policy and quota state is not loaded yet (with Retry-After). */
  not_ready: { status: 503, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type GatewayErrorKind = keyof typeof GATEWAY_ERRORS;

export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly headers: Record<string, string> | null;

  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    readonly param: string | null = null,
    options: { code?: string; status?: number; type?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = options.status ?? GATEWAY_ERRORS[kind].status;
    this.type = options.type ?? GATEWAY_ERRORS[kind].type;
    this.code = options.code ?? kind;
    this.headers = options.headers ?? null;
  }

  body(): OpenAiErrorBody {
    return openAiError(this.message, this.type, this.code, this.param);
  }
}

export function errorJson(error: GatewayError): string {
  return JSON.stringify(error.body());
}
