import { isDeepStrictEqual } from 'node:util';

export type FieldChanges = Record<string, { old: unknown; new: unknown }>;

/** `{ field: { old, new } }` for every field whose value differs (deep equality). */
export function fieldChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of Object.keys(after)) {
    const old = before ? before[field] : null;
    if (!isDeepStrictEqual(old, after[field])) changes[field] = { old, new: after[field] };
  }
  return changes;
}
