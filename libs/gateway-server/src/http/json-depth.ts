/** Deepest nesting of arrays and objects accepted in a JSON body (docs/security-limits.md). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the JSON text nests arrays/objects deeper than `max`: one pass over the bytes, before any
 * parse, so that no recursive code (parsers, validators, the policy's field walk) meets 100,000 levels.
 * Brackets inside strings do not count.
 */
export function jsonTooDeep(body: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
