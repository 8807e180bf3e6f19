// Precision / recall per category over the labelled corpus (libs/policy-engine/corpus).
// Run: node bench/policy-engine/run.cjs bench/policy-engine/corpus-report.ts [--misses]
import { CORPUS, INJECTION_CORPUS, PII_CORPUS, SECRETS_CORPUS } from '../../libs/policy-engine/corpus';
import { measureCorpus } from '../../libs/policy-engine/corpus/corpus-metrics';

const showMisses = process.argv.includes('--misses');
const pct = (x: number) => x.toFixed(3);

const { metrics, misses } = measureCorpus(CORPUS);
const kinds = (cases: typeof CORPUS) =>
  ['positive', 'evasion', 'hard_negative', 'ordinary']
    .map((k) => `${k} ${cases.filter((c) => c.kind === k).length}`)
    .join(', ');
console.log(
  `corpus: ${CORPUS.length} cases (PII ${PII_CORPUS.length}, secrets ${SECRETS_CORPUS.length}, injection ${INJECTION_CORPUS.length})`,
);
console.log(`  ${kinds(CORPUS)}\n`);

const rows = metrics.filter((m) => !m.category.startsWith('injection.'));
console.log('| category | TP | FP | FN | precision | recall |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const m of rows)
  console.log(`| ${m.category} | ${m.tp} | ${m.fp} | ${m.fn} | ${pct(m.precision)} | ${pct(m.recall)} |`);

// The injection detector is scored separately: recall on attacks, false-positive rate on ordinary prompts.
const attacks = INJECTION_CORPUS.filter((c) => c.kind === 'positive');
const ordinary = INJECTION_CORPUS.filter((c) => c.kind === 'ordinary');
const attackRun = measureCorpus(attacks);
const caught = attacks.length - attackRun.misses.filter((m) => m.kind === 'fn').length;
const ordinaryRun = measureCorpus(ordinary);
const flaggedOrdinary = new Set(ordinaryRun.misses.map((m) => m.text)).size;
console.log('\ninjection detector (threshold 1.0 per family):');
console.log('| family | TP | FP | FN | precision | recall |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const m of metrics.filter((x) => x.category.startsWith('injection.'))) {
  console.log(`| ${m.category} | ${m.tp} | ${m.fp} | ${m.fn} | ${pct(m.precision)} | ${pct(m.recall)} |`);
}
console.log(`attacks caught (right family): ${caught}/${attacks.length} = ${pct(caught / attacks.length)}`);
console.log(
  `false-positive rate on ordinary prompts: ${flaggedOrdinary}/${ordinary.length} = ${pct(flaggedOrdinary / ordinary.length)}`,
);

if (showMisses) {
  console.log('\nmisses:');
  for (const m of misses) console.log(`  ${m.kind} ${m.category}: ${JSON.stringify(m.text).slice(0, 120)}`);
} else if (misses.length > 0) {
  console.log(`\n${misses.length} misses (run with --misses to list them)`);
}
