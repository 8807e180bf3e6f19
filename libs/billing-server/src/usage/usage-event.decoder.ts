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
  const nul = textWithNul(result.value);
  if (nul) return { ok: false, reason: `${nul} contains a NUL character` };
  if (Date.parse(result.value.payload.started_at) < oldestAcceptedStart.getTime()) {
    return {
      ok: false,
      reason: `payload.started_at is before the raw retention horizon (${oldestAcceptedStart.toISOString()}); it cannot be deduplicated any more`,
    };
  }
  return result;
}

/**
 * Postgres text cannot hold NUL: such a value would fail its whole batch on every retry (a poison message
 * blocking the partition), so it is refused here and dead-lettered instead.
 */
function textWithNul(event: UsageEvent): string | null {
  const p = event.payload;
  const texts: [string, string | null][] = [
    ['envelope.project_id', event.project_id],
    ['payload.request_id', p.request_id],
    ['payload.key_id', p.key_id],
    ['payload.model', p.model],
    ['payload.error_code', p.error_code],
  ];
  for (const [field, value] of texts) if (value?.includes('\u0000')) return field;
  return null;
}
