/**
 * A small JSON-patch-like diff between two policy configs: which paths were added, removed or replaced.
 * Paths are JSON pointers (RFC 6901). Arrays are compared index by index (an insertion shows up as
 * replacements plus an add at the end), which is enough to tell a reviewer what moved between revisions.
 */
export type ConfigChangeOp = 'add' | 'remove' | 'replace';

export interface ConfigChange {
  op: ConfigChangeOp;
  path: string;
}

const escapeSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

function keysOf(value: Container): string[] {
  return Array.isArray(value) ? value.map((_, index) => String(index)) : Object.keys(value);
}

function childOf(value: Container, key: string): unknown {
  return Array.isArray(value) ? value[Number(key)] : value[key];
}

function hasChild(value: Container, key: string): boolean {
  return Array.isArray(value) ? Number(key) < value.length : Object.prototype.hasOwnProperty.call(value, key);
}

export function diffConfigs(before: unknown, after: unknown, path = ''): ConfigChange[] {
  if (Object.is(before, after)) return [];
  const bothContainers =
    isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after);
  if (!bothContainers) {
    if (before === undefined) return [{ op: 'add', path }];
    if (after === undefined) return [{ op: 'remove', path }];
    return [{ op: 'replace', path }];
  }
  const changes: ConfigChange[] = [];
  const keys = [...new Set([...keysOf(before), ...keysOf(after)])];
  if (!Array.isArray(before)) keys.sort();
  for (const key of keys) {
    const childPath = `${path}/${escapeSegment(key)}`;
    const inBefore = hasChild(before, key);
    const inAfter = hasChild(after, key);
    if (!inBefore) changes.push({ op: 'add', path: childPath });
    else if (!inAfter) changes.push({ op: 'remove', path: childPath });
    else changes.push(...diffConfigs(childOf(before, key), childOf(after, key), childPath));
  }
  return changes;
}
