import { checkExact, int, isoTime, token, type Check } from './field-checks';
import { ENTITY_ID_PATTERN } from './identifiers';
import { isUuid, uuidv7 } from './uuid-v7';

/** The envelope every event travels in. `payload` is typed per event type. */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  readonly event_id: string;
  readonly type: TType;
  readonly schema_version: number;
  readonly occurred_at: string;
  readonly project_id: string;
  readonly payload: TPayload;
}

export function createEnvelope<TType extends string, TPayload>(
  type: TType,
  schemaVersion: number,
  projectId: string,
  payload: TPayload,
  eventId: string = uuidv7(),
  occurredAt: string = new Date().toISOString(),
): EventEnvelope<TType, TPayload> {
  return {
    event_id: eventId,
    type,
    schema_version: schemaVersion,
    occurred_at: occurredAt,
    project_id: projectId,
    payload,
  };
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const uuidCheck: Check = (v, p) => (isUuid(v) ? null : `${p} must be a UUID`);

/**
 * Parses and validates a consumed message into a typed envelope. Anything that fails comes back as a
 * reason (for the dead-letter topic), never as an exception.
 */
export function decodeEnvelope<TType extends string, TPayload>(
  raw: Buffer | string | null,
  expectedType: TType,
  supportedVersions: readonly number[],
  payloadShape: Record<string, Check>,
): DecodeResult<EventEnvelope<TType, TPayload>> {
  if (raw === null) return { ok: false, reason: 'message has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'message is not valid JSON' };
  }
  const envelopeReason = checkExact(parsed, 'envelope', {
    event_id: uuidCheck,
    type: (v, p) => (v === expectedType ? null : `${p} must be ${expectedType}`),
    schema_version: (v, p) =>
      int(v, p) ?? (supportedVersions.includes(v as number) ? null : `${p} ${String(v)} is not supported`),
    occurred_at: isoTime,
    project_id: token(ENTITY_ID_PATTERN),
    payload: () => null,
  });
  if (envelopeReason) return { ok: false, reason: envelopeReason };
  const envelope = parsed as EventEnvelope<TType, TPayload>;
  const payloadReason = checkExact(envelope.payload, 'payload', payloadShape);
  if (payloadReason) return { ok: false, reason: payloadReason };
  return { ok: true, value: envelope };
}
