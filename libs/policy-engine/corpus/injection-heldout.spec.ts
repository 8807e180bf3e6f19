import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compilePolicy } from '../src/compile/compile-policy';
import { InjectionModel } from '../src/detectors/injection/injection-model';
import { useInjectionModelForEvaluation } from '../src/detectors/injection/shipped-model';
import {
  DATA_DIR,
  HELD_OUT,
  loadCorpus,
  loadHeldOutModel,
  rowsNearHeldOut,
  splitBySource,
} from './injection-dataset';
import { allFamiliesPolicy, reportBySource, type SourceMetrics } from './injection-metrics';

// Figures reached by the shipped training options (docs/injection-detection.md); the gate sits just below.
const RECALL = 0.67; // 458 of 675
const PRECISION = 0.96; // 0.967
const SOURCE_RECALL: [string, number][] = [
  ['NVIDIA/garak', 0.69],
  ['mik0w/pallms', 0.77],
  ['greshake/llm-security', 0.89],
  ['cyberark/FuzzyAI', 0.43],
];
const SOURCE_FPR: [string, number][] = [
  ['lm-sys/FastChat', 0.021],
  ['PolyAI-LDN/task-specific-datasets', 0.001],
  ['openai/grade-school-math', 0.008],
  ['LAION-AI/Open-Assistant', 0.018],
  ['teknium1/GPTeacher', 0.01],
];
const CV_RECALL = 0.275; // 0.280

// Quality gate of the learned injection detector on sources it never trained on (third-party data, scored
// through the public API with every injection family as a flag rule). The shipped model trains on every
// source, so the held-out figures come from the model trained the same way without the held-out sources
// (data/injection/heldout-model.json), swapped into the engine. The figures are the ones in
// docs/injection-detection.md (`npm run eval:injection` prints them); a retrained model must not fall below.
describe('injection detection on held-out sources', () => {
  const heldOutModel = loadHeldOutModel();
  useInjectionModelForEvaluation(new InjectionModel(heldOutModel.model));
  const policy = compilePolicy(allFamiliesPolicy());
  useInjectionModelForEvaluation(null);
  const corpus = loadCorpus();
  const { train, heldOut } = splitBySource(corpus);
  const report = reportBySource(
    heldOut,
    (text) => policy.evaluate(text, { target: 'input' }).metadata.decision !== 'allow',
  );
  const bySource = new Map(report.rows.map((r) => [r.source, r]));

  it('measures a model that never trained on a held-out source', () => {
    expect(heldOutModel.trainedOn.filter((repo) => HELD_OUT.has(repo))).toEqual([]);
    expect(heldOutModel.trainedOn).toEqual([...new Set(train.map((r) => r.repo))].sort());
    for (const r of report.rows) expect(HELD_OUT.has(r.source)).toBe(true);
  });

  it('left out of its training every row that nearly repeats a held-out row (ours or a third party copy)', () => {
    const near = rowsNearHeldOut(corpus);
    expect(heldOutModel.rowsLeftOut).toBe(near.size);
    // The check finds a paraphrase: a training row that is a held-out row with a word changed is near.
    const [row] = heldOut.filter((r) => r.text.split(' ').length > 12);
    const paraphrase = { ...row, repo: 'policy-gateway', text: row.text.replace(/\b(\w+)\b/, 'Well') };
    expect(rowsNearHeldOut([...corpus, paraphrase]).has(paraphrase)).toBe(true);
  });

  it('flags at most 1% of held-out ordinary prompts', () => {
    expect(report.overall.ordinary).toBeGreaterThan(1500);
    expect(report.overall.fpr).toBeLessThanOrEqual(0.01);
  });

  it('keeps held-out recall and precision at the documented figures', () => {
    expect(report.overall.injections).toBeGreaterThan(650);
    expect(report.overall.recall).toBeGreaterThanOrEqual(RECALL);
    expect(report.overall.precision).toBeGreaterThanOrEqual(PRECISION);
  });

  it.each(SOURCE_RECALL)('%s: recall >= %d', (source, recall) => {
    expect(bySource.get(source)?.recall).toBeGreaterThanOrEqual(recall);
  });

  it.each(SOURCE_FPR)('%s: false-positive rate <= %d', (source, fpr) => {
    expect(bySource.get(source)?.fpr).toBeLessThanOrEqual(fpr);
  });
});

describe('injection detection, cross-validation by source (last training run)', () => {
  // Written by scripts/injection/train.ts with the shipped weights: a retrain that generalises worse fails here.
  const report = JSON.parse(readFileSync(resolve(DATA_DIR, 'model-report.json'), 'utf8')) as {
    crossValidationBySource: { atOwnOnePercentThreshold: { modelAlone: { overall: SourceMetrics } } };
  };
  const overall = report.crossValidationBySource.atOwnOnePercentThreshold.modelAlone.overall;

  it('keeps out-of-source recall at <= 1% false positives at the documented figure', () => {
    expect(overall.ordinary).toBeGreaterThan(12000);
    expect(overall.fpr).toBeLessThanOrEqual(0.01);
    expect(overall.recall).toBeGreaterThanOrEqual(CV_RECALL);
  });
});
