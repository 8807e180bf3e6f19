import { bool, int, isoTime, nullableToken, oneOf, token, type Check } from './field-checks';
import { CODE_PATTERN, ENTITY_ID_PATTERN, MODEL_ID_PATTERN, REQUEST_ID_PATTERN } from './identifiers';
import type { EventEnvelope } from './event-envelope';

export const USAGE_EVENT_TYPE = 'usage.recorded';
export const USAGE_SCHEMA_VERSION = 1;

/** ok: completed; cancelled: the client went away mid-stream; error: upstream failed; blocked / rejected: no upstream call. */
export const USAGE_STATUSES = ['ok', 'cancelled', 'error', 'blocked', 'rejected'] as const;
export type UsageStatus = (typeof USAGE_STATUSES)[number];

/** Operational telemetry for billing: counts and timestamps, never text. */
export interface UsagePayload {
  request_id: string;
  key_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** true when the provider gave no usage and the gateway counted with its tokenizer. */
  usage_estimated: boolean;
  streamed: boolean;
  status: UsageStatus;
  http_status: number;
  error_code: string | null;
  started_at: string;
  finished_at: string;
}

export type UsageEvent = EventEnvelope<typeof USAGE_EVENT_TYPE, UsagePayload>;

export const USAGE_PAYLOAD_SHAPE: Record<keyof UsagePayload, Check> = {
  request_id: token(REQUEST_ID_PATTERN),
  key_id: token(ENTITY_ID_PATTERN),
  model: token(MODEL_ID_PATTERN),
  input_tokens: int,
  output_tokens: int,
  total_tokens: int,
  usage_estimated: bool,
  streamed: bool,
  status: oneOf(USAGE_STATUSES),
  http_status: int,
  error_code: nullableToken(CODE_PATTERN),
  started_at: isoTime,
  finished_at: isoTime,
};
