/**
 * The shapes of the identifiers the services store and publish. Each is a token (no space, no control
 * character, bounded length), so a column or event field holding one cannot carry a sentence of prompt
 * text or a client's note. The migrations mirror these as CHECK constraints (as POSIX regexes, written the
 * same way), and the event decoders dead-letter anything else, so a consumer never fails on an insert.
 */

/** A client's `x-request-id` the gateway keeps, or the gateway's own UUID. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A model id as providers spell them (`gpt-4o-mini`, `ft:gpt-4o:org::id`, `meta-llama/Llama-3-8B`), or `unknown`. */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;

/** Project, key and policy ids (`prj_…`, 16 alphanumerics, `prj_….r3`). */
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Reason and error codes (`pii_redacted`, `upstream_error`). */
export const CODE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Policy categories (`pii.email`, `regex.<name>`). */
export const CATEGORY_PATTERN_TOKEN = /^[a-z0-9_.]{1,96}$/;
