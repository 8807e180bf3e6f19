/**
 * Tiny hand-written validators for consumed events. Audit ingestion must sustain tens of thousands of
 * events per second, so payloads are checked with plain functions rather than class instances.
 * Each check returns null when valid, or a reason naming the offending field.
 */
export type Check = (value: unknown, path: string) => string | null;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const str =
  (maxLength = 256): Check =>
  (v, p) =>
    typeof v === 'string' && v.length <= maxLength
      ? null
      : `${p} must be a string of at most ${maxLength} chars`;

/** A string matching an identifier pattern (see identifiers.ts). */
export const token =
  (pattern: RegExp): Check =>
  (v, p) =>
    typeof v === 'string' && pattern.test(v) ? null : `${p} must match ${pattern.source}`;

export const nullableToken =
  (pattern: RegExp): Check =>
  (v, p) =>
    v === null ? null : token(pattern)(v, p);

export const tokenArray =
  (maxItems: number, pattern: RegExp): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length > maxItems)
      return `${p} must be an array of at most ${maxItems} strings`;
    for (let i = 0; i < v.length; i++) {
      const reason = token(pattern)(v[i], `${p}[${i}]`);
      if (reason) return reason;
    }
    return null;
  };

export const nullableStr =
  (maxLength = 256): Check =>
  (v, p) =>
    v === null ? null : str(maxLength)(v, p);

export const oneOf =
  <T extends string>(values: readonly T[]): Check =>
  (v, p) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? null
      : `${p} must be one of ${values.join(', ')}`;

export const int: Check = (v, p) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : `${p} must be a non-negative integer`;

export const bool: Check = (v, p) => (typeof v === 'boolean' ? null : `${p} must be a boolean`);

export const isoTime: Check = (v, p) =>
  typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v))
    ? null
    : `${p} must be an ISO-8601 time`;

export const nullableIsoTime: Check = (v, p) => (v === null ? null : isoTime(v, p));

export const strArray =
  (maxItems = 64, maxLength = 128): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length > maxItems)
      return `${p} must be an array of at most ${maxItems} strings`;
    for (let i = 0; i < v.length; i++) {
      const reason = str(maxLength)(v[i], `${p}[${i}]`);
      if (reason) return reason;
    }
    return null;
  };

/** Checks an object has exactly these fields (no more: an extra field could smuggle text in). */
export function checkExact(value: unknown, path: string, shape: Record<string, Check>): string | null {
  if (!isRecord(value)) return `${path} must be an object`;
  for (const key of Object.keys(value)) {
    if (!(key in shape)) return `${path}.${key} is not an allowed field`;
  }
  for (const [key, check] of Object.entries(shape)) {
    const reason = check(value[key], `${path}.${key}`);
    if (reason) return reason;
  }
  return null;
}

/**
 * `true` only when the two key unions are the same set: a compile-time check that a hand-written field
 * list (a fast path, an export, a signed form) names exactly a contract's fields.
 */
export type SameKeys<A extends PropertyKey, B extends PropertyKey> = [A] extends [B]
  ? [B] extends [A]
    ? true
    : false
  : false;
