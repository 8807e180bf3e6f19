import type { TextRole } from '../policy/policy-port';

/**
 * Walkers shared by the Embeddings and Responses field maps: "every string is text unless its position
 * says otherwise". Each visit gets the text and who wrote it (the policy port's TextRole: a message's role,
 * 'tool' for tool results, 'field' outside messages), so the policy judges a system prompt differently
 * from a tool result.
 */
export type RoleTextVisitor = (text: string, role: TextRole) => string;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every string value below `value`, object keys being structure; `skip` names keys that are not text. */
export function visitStrings(
  value: unknown,
  visit: RoleTextVisitor,
  role: TextRole,
  skip: ReadonlySet<string> = NO_KEYS,
): unknown {
  if (typeof value === 'string') return visit(value, role);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visitStrings(value[i], visit, role, skip);
  } else if (isRecord(value)) {
    for (const key in value) if (!skip.has(key)) value[key] = visitStrings(value[key], visit, role, skip);
  }
  return value;
}

/** Every string value and every key below `value` (free-form objects: metadata, JSON schemas, extensions). */
export function visitFree(value: unknown, visit: RoleTextVisitor, role: TextRole = 'field'): unknown {
  if (typeof value === 'string') return visit(value, role);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = visitFree(value[i], visit, role);
    return value;
  }
  if (!isRecord(value)) return value;
  let renamed = false;
  const entries: [string, unknown][] = [];
  for (const key in value) {
    const newKey = visit(key, role);
    if (newKey !== key) renamed = true;
    entries.push([newKey, visitFree(value[key], visit, role)]);
  }
  if (!renamed) {
    for (const [key, v] of entries) value[key] = v;
    return value;
  }
  return Object.fromEntries(entries);
}

const NO_KEYS: ReadonlySet<string> = new Set();
