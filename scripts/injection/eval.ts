// Precision / recall / false-positive rate of injection detection per source, scored through the engine's
// public API (compilePolicy + evaluate) with every injection family on as a flag rule on input.
//
//   npm run eval:injection              # held-out split + cross-validation by source (the figures to quote)
//   npm run eval:injection -- --train   # also the shipped model on every row (in-sample: memory, not generalisation)
//
// The shipped model trains on every source, so its held-out figures come from the model trained without
// the held-out sources (data/injection/heldout-model.json, same features and training), swapped into the
// engine for this measurement. Cross-validation figures are the model alone, from the last training run.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compilePolicy } from '@pgw/policy-engine';
import { InjectionModel } from '../../libs/policy-engine/src/detectors/injection/injection-model';
import { useInjectionModelForEvaluation } from '../../libs/policy-engine/src/detectors/injection/shipped-model';
import {
  DATA_DIR,
  loadCorpus,
  loadHeldOutModel,
  splitBySource,
} from '../../libs/policy-engine/corpus/injection-dataset';
import {
  allFamiliesPolicy,
  reportBySource,
  type SourceMetrics,
} from '../../libs/policy-engine/corpus/injection-metrics';

function printTable(title: string, rows: readonly SourceMetrics[]): void {
  console.log(`\n${title}`);
  const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(3));
  console.log('| source | injections | ordinary | caught | flagged ordinary | precision | recall | FPR |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.source} | ${r.injections} | ${r.ordinary} | ${r.caught} | ${r.flaggedOrdinary} | ${fmt(r.precision)} | ${fmt(r.recall)} | ${fmt(r.fpr)} |`,
    );
  }
}

function flaggedBy(): (text: string) => boolean {
  const policy = compilePolicy(allFamiliesPolicy());
  return (text) => policy.evaluate(text, { target: 'input' }).metadata.decision !== 'allow';
}

function main(): void {
  const rows = loadCorpus();
  const { heldOut } = splitBySource(rows);
  const heldOutModel = new InjectionModel(loadHeldOutModel().model);
  useInjectionModelForEvaluation(heldOutModel);
  const held = reportBySource(heldOut, flaggedBy());
  useInjectionModelForEvaluation(null);
  printTable(
    `Held-out sources, model trained without them (threshold ${heldOutModel.threshold.toFixed(3)}), engine with rule signals:`,
    [...held.rows, held.overall],
  );

  type Cv = { threshold: number; modelAlone: { rows: SourceMetrics[]; overall: SourceMetrics } };
  const report = JSON.parse(readFileSync(resolve(DATA_DIR, 'model-report.json'), 'utf8')) as {
    crossValidationBySource: { atDefaultThreshold: Cv; atOwnOnePercentThreshold: Cv } | null;
  };
  const cv = report.crossValidationBySource;
  if (cv) {
    const title = (what: string, t: number) =>
      `Cross-validation by source (each source scored by a model trained on all others; model alone; ${what} ${t.toFixed(3)}; from model-report.json):`;
    const atDefault = cv.atDefaultThreshold;
    printTable(title('default threshold', atDefault.threshold), [
      ...atDefault.modelAlone.rows,
      atDefault.modelAlone.overall,
    ]);
    const own = cv.atOwnOnePercentThreshold;
    printTable(title('threshold flagging 1% of its ordinary rows', own.threshold), [own.modelAlone.overall]);
  }

  if (process.argv.includes('--train')) {
    const seen = reportBySource(rows, flaggedBy(), 'all rows');
    printTable('Shipped model (trained on every source), in-sample:', [...seen.rows, seen.overall]);
  }
}

main();
