import { newRequestRecord, recordedErrorCode, recordedModel, UNKNOWN_MODEL } from './request-record';
import type { Caller } from '../auth/key-authenticator';

describe('what a request record keeps of client-chosen values', () => {
  const record = (model: string, modelKnown: boolean, upstreamStatus: number) => ({
    ...newRequestRecord({} as Caller, 'r-1'),
    model,
    modelKnown,
    upstreamStatus,
  });

  it('records a model only when known or answered, and only as a model-id token', () => {
    expect(recordedModel(record('gpt-4o-mini', true, 0))).toBe('gpt-4o-mini');
    expect(recordedModel(record('gpt-4o-mini', false, 200))).toBe('gpt-4o-mini');
    expect(recordedModel(record('gpt-4o-mini', false, 404))).toBe(UNKNOWN_MODEL);
    // A provider that answers any model (or an admin allow list with a sentence) cannot put text in rows.
    expect(recordedModel(record('card 4111 1111 1111 1111', false, 200))).toBe(UNKNOWN_MODEL);
    expect(recordedModel(record('card 4111 1111 1111 1111', true, 0))).toBe(UNKNOWN_MODEL);
    expect(recordedModel(record('m'.repeat(129), true, 200))).toBe(UNKNOWN_MODEL);
  });

  it('records error codes as tokens', () => {
    expect(recordedErrorCode(null)).toBeNull();
    expect(recordedErrorCode('upstream_error')).toBe('upstream_error');
    expect(recordedErrorCode('bad "code" here')).toBe('other');
  });
});
