import { applyDecorators } from '@nestjs/common';
import { IsISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/** Deepest nesting of arrays and objects accepted in an admin body or query (docs/security-limits.md). */
export const MAX_ADMIN_JSON_DEPTH = 64;

/** Largest value of a Postgres `integer` column: revision numbers and per-minute limits are stored there. */
export const INT4_MAX = 2_147_483_647;

export interface UnsafeInput {
  /** Where in the value (`limits.requests_per_minute`, `config.rules[2].terms[0]`), '' for the value itself. */
  path: string;
  reason: 'too_deep' | 'nul' | 'lone_surrogate';
}

// A NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unsafeString(text: string): UnsafeInput['reason'] | null {
  if (NUL.test(text)) return 'nul';
  if (LONE_SURROGATE.test(text)) return 'lone_surrogate';
  return null;
}

const childPath = (parent: string, key: string, inArray: boolean): string =>
  inArray ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/**
 * The first thing in a parsed admin input Postgres cannot store or our code should not walk: nesting
 * deeper than `maxDepth`, a NUL character or a lone UTF-16 surrogate in a string or a key (Postgres text
 * and jsonb refuse both, which surfaced as 500s). Iterative, so 100,000 levels cost a loop, not the stack.
 */
export function findUnsafeInput(value: unknown, maxDepth: number = MAX_ADMIN_JSON_DEPTH): UnsafeInput | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof item.value === 'string') {
      const reason = unsafeString(item.value);
      if (reason) return { path: item.path, reason };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return { path: item.path, reason: 'too_deep' };
    const inArray = Array.isArray(item.value);
    for (const key of Object.keys(item.value)) {
      const path = childPath(item.path, key, inArray);
      const reason = inArray ? null : unsafeString(key);
      if (reason) return { path, reason };
      stack.push({ value: (item.value as Record<string, unknown>)[key], path, depth });
    }
  }
  return null;
}

export function describeUnsafeInput(unsafe: UnsafeInput, what: string): string {
  const where = unsafe.path || what;
  switch (unsafe.reason) {
    case 'too_deep':
      return `${what} nests deeper than ${MAX_ADMIN_JSON_DEPTH} levels.`;
    case 'nul':
      return `${where} contains a NUL character (U+0000); the admin API does not accept it.`;
    case 'lone_surrogate':
      return `${where} contains an unpaired UTF-16 surrogate (not valid Unicode); the admin API does not accept it.`;
  }
}

/** Years Postgres timestamps and JavaScript dates both hold and print the same way (no year 0, 4 digits). */
const MIN_STORABLE_MS = new Date(0).setUTCFullYear(1, 0, 1); // Date.UTC(1, ...) would mean 1901
const MAX_STORABLE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A timestamp text that parses to a date within years 0001-9999 UTC. JavaScript accepts dates Postgres
 * refuses (year 0, year 275760), and those reached the database as a 500.
 */
export function isStorableTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= MIN_STORABLE_MS && ms <= MAX_STORABLE_MS;
}

/** Strict ISO-8601 with a date and time Postgres can store (years 0001-9999 UTC). */
export function IsStorableTimestamp(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    IsISO8601({ strict: true }, options),
    ValidateBy(
      {
        name: 'isStorableTimestamp',
        validator: {
          validate: (value) => isStorableTimestamp(value),
          defaultMessage: (args) => `${args?.property ?? 'value'} must be a date between years 0001 and 9999`,
        },
      },
      options,
    ),
  );
}
