// Span-level evaluation of the built-in detectors on third-party rows (see data/README.md): every
// built-in detector category as a flag rule, through the engine's public API.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { categoryMetrics, type CategoryMetrics } from '../corpus/corpus-metrics';
import { BUILTIN_CATEGORIES, compilePolicy } from '../src';

export interface EvalSpan {
  category: string;
  start: number;
  end: number;
}

export interface EvalRow {
  text: string;
  expect: EvalSpan[];
  file: string;
  /** Categories the row is scored for; default: every category of its family (pii.* or secret.*). */
  scope?: string[];
  source: string;
  license: string;
}

/** One category's counts and rates (the corpus scorer's shape). */
export type CategoryScore = CategoryMetrics;

export interface EvalReport {
  rows: number;
  categories: CategoryScore[];
  families: Record<'pii' | 'secret', CategoryScore>;
  /** Secret spans masked under some secret category, right or wrong. */
  secretAnyLabelRecall: number;
  misses: { kind: 'fn' | 'fp'; category: string; text: string; source: string }[];
}

const DATA_DIR = join(__dirname, 'data');

export function loadRows(): EvalRow[] {
  const rows: EvalRow[] = [];
  for (const name of readdirSync(DATA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const data = JSON.parse(readFileSync(join(DATA_DIR, name), 'utf8')) as {
      source: { project: string; license: string };
      rows: Omit<EvalRow, 'source' | 'license'>[];
    };
    for (const row of data.rows)
      rows.push({ ...row, source: data.source.project, license: data.source.license });
  }
  return rows;
}

function familyOf(category: string): 'pii' | 'secret' {
  return category.startsWith('pii.') ? 'pii' : 'secret';
}

const score = categoryMetrics;

function ratio(a: number, b: number): number {
  return b === 0 ? 1 : a / b;
}

const overlaps = (a: EvalSpan, b: EvalSpan) => a.start < b.end && b.start < a.end;

/**
 * A finding counts for an expected span when it has the same category and overlaps it (each finding
 * matches at most one span); unmatched expected spans are misses, unmatched findings in scope false
 * positives. A secret under the wrong secret category is both.
 */
export function evaluateRows(rows: readonly EvalRow[]): EvalReport {
  const categories = BUILTIN_CATEGORIES.filter((c) => !c.startsWith('injection.'));
  const policy = compilePolicy({
    version: 1,
    rules: categories.map((category) => ({ id: category, category, target: 'input', action: 'flag' })),
  });
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const bump = (c: string, k: 'tp' | 'fp' | 'fn') => {
    const x = counts.get(c) ?? { tp: 0, fp: 0, fn: 0 };
    x[k]++;
    counts.set(c, x);
  };
  const misses: EvalReport['misses'] = [];
  let secretSpans = 0;
  let secretMasked = 0;
  for (const row of rows) {
    const family =
      row.expect.length > 0 ? familyOf(row.expect[0].category) : familyOf(row.scope?.[0] ?? 'secret.');
    const inScope = (c: string) => (row.scope ? row.scope.includes(c) : familyOf(c) === family);
    const findings: EvalSpan[] = policy
      .evaluate(row.text, { target: 'input' })
      .findings.filter((f) => inScope(f.category))
      .map((f) => ({ category: f.category, start: f.start, end: f.end }));
    const used = new Set<number>();
    for (const want of row.expect) {
      const k = findings.findIndex(
        (f, i) => !used.has(i) && f.category === want.category && overlaps(f, want),
      );
      if (familyOf(want.category) === 'secret') {
        secretSpans++;
        if (findings.some((f) => familyOf(f.category) === 'secret' && overlaps(f, want))) secretMasked++;
      }
      if (k === -1) {
        bump(want.category, 'fn');
        misses.push({ kind: 'fn', category: want.category, text: row.text, source: row.source });
      } else {
        used.add(k);
        bump(want.category, 'tp');
      }
    }
    findings.forEach((f, i) => {
      if (used.has(i)) return;
      bump(f.category, 'fp');
      misses.push({ kind: 'fp', category: f.category, text: row.text, source: row.source });
    });
  }
  const perCategory = [...counts.entries()]
    .map(([c, x]) => score(c, x.tp, x.fp, x.fn))
    .sort((a, b) => a.category.localeCompare(b.category));
  const total = (fam: 'pii' | 'secret') => {
    const xs = perCategory.filter((s) => familyOf(s.category) === fam);
    const sum = (k: 'tp' | 'fp' | 'fn') => xs.reduce((n, s) => n + s[k], 0);
    return score(fam, sum('tp'), sum('fp'), sum('fn'));
  };
  return {
    rows: rows.length,
    categories: perCategory,
    families: { pii: total('pii'), secret: total('secret') },
    secretAnyLabelRecall: ratio(secretMasked, secretSpans),
    misses,
  };
}
