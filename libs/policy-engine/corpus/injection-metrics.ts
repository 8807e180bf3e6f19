// Precision / recall / false-positive rate per source, and the threshold choice.
import { INJECTION_CATEGORIES } from '../src/schema/policy-categories';
import type { PolicyConfigInput } from '../src/schema/policy-config.types';
import type { Row } from './injection-dataset';

/** Every injection family as a flag rule on input (how the figures are measured). */
export function allFamiliesPolicy(threshold?: number): PolicyConfigInput {
  return {
    version: 1,
    rules: INJECTION_CATEGORIES.map((category) => ({
      id: category.replace('.', '-'),
      category,
      target: 'input' as const,
      action: 'flag' as const,
      ...(threshold === undefined ? {} : { threshold }),
    })),
  };
}

export interface SourceMetrics {
  source: string;
  injections: number;
  ordinary: number;
  caught: number;
  flaggedOrdinary: number;
  precision: number | null;
  recall: number | null;
  fpr: number | null;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

/**
 * The lowest threshold that flags at most `fpr` of the ordinary prompts' scores: just above the score of
 * the (allowed + 1)-th most suspicious ordinary prompt.
 */
export function pickThreshold(ordinaryScores: readonly number[], fpr: number): number {
  const sorted = [...ordinaryScores].sort((a, b) => b - a);
  const allowed = Math.floor(fpr * sorted.length);
  if (allowed >= sorted.length) return 0;
  return Math.min(1, sorted[allowed] + 1e-6);
}

function metricsOf(source: string, rows: readonly Row[], flagged: readonly boolean[]): SourceMetrics {
  let injections = 0;
  let ordinary = 0;
  let caught = 0;
  let flaggedOrdinary = 0;
  rows.forEach((r, i) => {
    if (r.label === 'injection') {
      injections++;
      if (flagged[i]) caught++;
    } else {
      ordinary++;
      if (flagged[i]) flaggedOrdinary++;
    }
  });
  return {
    source,
    injections,
    ordinary,
    caught,
    flaggedOrdinary,
    precision: ratio(caught, caught + flaggedOrdinary),
    recall: ratio(caught, injections),
    fpr: ratio(flaggedOrdinary, ordinary),
  };
}

/** Metrics per source repository, then over all rows. */
export function reportBySource(
  rows: readonly Row[],
  isFlagged: (text: string, index: number) => boolean,
  overallLabel = 'all held-out sources',
): { rows: SourceMetrics[]; overall: SourceMetrics } {
  const flagged = rows.map((r, i) => isFlagged(r.text, i));
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  const perSource = repos.map((repo) => {
    const idx = rows.map((r, i) => (r.repo === repo ? i : -1)).filter((i) => i >= 0);
    return metricsOf(
      repo,
      idx.map((i) => rows[i]),
      idx.map((i) => flagged[i]),
    );
  });
  return { rows: perSource, overall: metricsOf(overallLabel, rows, flagged) };
}
