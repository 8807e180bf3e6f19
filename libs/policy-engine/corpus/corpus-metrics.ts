import { compilePolicy } from '../src/compile/compile-policy';
import { BUILTIN_CATEGORIES } from '../src/schema/policy-categories';
import type { PolicyConfigInput } from '../src/schema/policy-config.types';
import type { CorpusCase } from './corpus.types';

export interface CategoryMetrics {
  category: string;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

/** Precision and recall from counts (1 when nothing was expected or found): shared by every scorer. */
export function categoryMetrics(category: string, tp: number, fp: number, fn: number): CategoryMetrics {
  return {
    category,
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  };
}

export interface CorpusMisses {
  category: string;
  text: string;
  kind: 'fn' | 'fp';
}

/** Every built-in category as a flag rule on input, so each one is reported independently. */
export function corpusPolicy(): PolicyConfigInput {
  return {
    version: 1,
    rules: BUILTIN_CATEGORIES.map((category) => ({
      id: category,
      category,
      target: 'input' as const,
      action: 'flag' as const,
    })),
  };
}

export function measureCorpus(cases: readonly CorpusCase[]): {
  metrics: CategoryMetrics[];
  misses: CorpusMisses[];
} {
  const policy = compilePolicy(corpusPolicy());
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const misses: CorpusMisses[] = [];
  const bump = (category: string, key: 'tp' | 'fp' | 'fn') => {
    const c = counts.get(category) ?? { tp: 0, fp: 0, fn: 0 };
    c[key]++;
    counts.set(category, c);
  };
  for (const c of cases) {
    const got = new Set(policy.evaluate(c.text, { target: 'input' }).metadata.triggered_categories);
    for (const want of c.expect) {
      if (got.has(want)) bump(want, 'tp');
      else {
        bump(want, 'fn');
        misses.push({ category: want, text: c.text, kind: 'fn' });
      }
    }
    for (const g of got) {
      if (!c.expect.includes(g)) {
        bump(g, 'fp');
        misses.push({ category: g, text: c.text, kind: 'fp' });
      }
    }
  }
  const metrics = [...counts.entries()]
    .map(([category, { tp, fp, fn }]) => categoryMetrics(category, tp, fp, fn))
    .sort((a, b) => a.category.localeCompare(b.category));
  return { metrics, misses };
}
