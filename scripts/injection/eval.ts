// Precision / recall / false-positive rate of injection detection per source, scored through the engine's
// public API (compilePolicy + evaluate) with every injection family on as a flag rule on input.
//
//   npm run eval:injection              # held-out sources (the figures to quote)
//   npm run eval:injection -- --train   # the training sources too (in-sample: memory, not generalisation)
import { compilePolicy } from '@pgw/policy-engine';
import { loadCorpus, splitBySource } from '../../libs/policy-engine/corpus/injection-dataset';
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

function main(): void {
  const policy = compilePolicy(allFamiliesPolicy());
  const flagged = (text: string) => policy.evaluate(text, { target: 'input' }).metadata.decision !== 'allow';
  const { train, heldOut } = splitBySource(loadCorpus());
  const held = reportBySource(heldOut, flagged);
  printTable('Held-out sources (never trained on), engine default threshold:', [...held.rows, held.overall]);
  if (process.argv.includes('--train')) {
    const seen = reportBySource(train, flagged);
    printTable('Training sources (in-sample):', [...seen.rows, seen.overall]);
  }
}

main();
