/** Pure helpers of the policy views: pretty JSON, a line diff, and finding the line an API error names. */

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export type DiffLine = { kind: 'same' | 'removed' | 'added'; text: string };

/** Line diff by longest common subsequence (policy configs are small: a few hundred lines at most). */
export function diffLines(before: string, after: string): { left: DiffLine[]; right: DiffLine[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const left: DiffLine[] = [];
  const right: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      left.push({ kind: 'same', text: a[i]! });
      right.push({ kind: 'same', text: b[j]! });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      right.push({ kind: 'added', text: b[j++]! });
    } else {
      left.push({ kind: 'removed', text: a[i++]! });
    }
  }
  return { left, right };
}

/** `config.rules[0].action` -> ['rules', 0, 'action'] (the API's param names the request body field). */
export function pathSegments(param: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of param.replace(/^config\.?/, '').matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return segments;
}

/**
 * The 1-based line of `param` in the editor's text, assuming the text is laid out as prettyJson lays it
 * out (the editor formats what it loads). null when the text does not parse or the path is not there.
 */
export function lineOfPath(text: string, param: string): number | null {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return null;
  }
  const segments = pathSegments(param);
  if (segments.length === 0) return 1;
  const marker = '\u0000pgw-marker\u0000';
  let node = root as Record<string | number, unknown> | undefined;
  for (const segment of segments.slice(0, -1)) {
    const next = node?.[segment];
    if (typeof next !== 'object' || next === null) return null;
    node = next as Record<string | number, unknown>;
  }
  if (typeof node !== 'object' || node === null) return null;
  node[segments[segments.length - 1]!] = marker;
  const index = prettyJson(root)
    .split('\n')
    .findIndex((line) => line.includes(JSON.stringify(marker)));
  return index === -1 ? null : index + 1;
}
