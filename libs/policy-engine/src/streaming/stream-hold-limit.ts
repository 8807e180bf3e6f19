/**
 * Default characters one stream redactor may hold back (text received but not yet released because it may
 * still be part of a match, or, in buffer mode, the whole text). Incremental mode holds at most the
 * policy's longest match (a few thousand characters for the built-in detectors), so the limit is reached
 * by buffer mode or by customer rules with very long matches, and by providers that stream without end.
 */
export const DEFAULT_STREAM_HOLD_LIMIT = 1024 * 1024;

/**
 * Thrown by a stream redactor asked to hold back more than its limit. Nothing held is released (it could be
 * part of a match): the stream fails closed, and the caller ends it with an error.
 */
export class StreamHoldLimitExceededError extends Error {
  readonly code = 'stream_hold_limit_exceeded';
  constructor(readonly limit: number) {
    super(
      `the policy would have to hold back more than ${limit} characters of the streamed output to check it; the stream was ended`,
    );
    this.name = 'StreamHoldLimitExceededError';
  }
}
