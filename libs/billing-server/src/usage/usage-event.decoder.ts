import {
  decodeEnvelope,
  USAGE_EVENT_TYPE,
  USAGE_PAYLOAD_SHAPE,
  USAGE_SCHEMA_VERSION,
  type DecodeResult,
  type UsageEvent,
} from '@pgw/contracts';

/**
 * Validates a consumed usage message. Events that started before the raw-retention horizon are refused
 * too (dead-lettered, so they are counted): their raw rows may already be purged, so a redelivery could
 * no longer be recognised as a duplicate and would be billed twice.
 */
export function decodeUsageEvent(raw: Buffer | null, oldestAcceptedStart: Date): DecodeResult<UsageEvent> {
  const result = decodeEnvelope<typeof USAGE_EVENT_TYPE, UsageEvent['payload']>(
    raw,
    USAGE_EVENT_TYPE,
    [USAGE_SCHEMA_VERSION],
    USAGE_PAYLOAD_SHAPE,
  );
  if (!result.ok) return result;
  if (Date.parse(result.value.payload.started_at) < oldestAcceptedStart.getTime()) {
    return {
      ok: false,
      reason: `payload.started_at is before the raw retention horizon (${oldestAcceptedStart.toISOString()}); it cannot be deduplicated any more`,
    };
  }
  return result;
}
