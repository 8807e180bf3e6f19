// Prints per-category precision / recall of the built-in detectors on the third-party rows.
// Run: npm run eval:detectors [-- --misses]
import { evaluateRows, loadRows } from '../../libs/policy-engine/eval/detector-eval';

const rows = loadRows();
const report = evaluateRows(rows);
const f = (x: number) => x.toFixed(3);
const bySource = new Map<string, number>();
for (const r of rows)
  bySource.set(`${r.source} (${r.license})`, (bySource.get(`${r.source} (${r.license})`) ?? 0) + 1);
console.log(`detector evaluation: ${report.rows} third-party rows`);
for (const [s, n] of bySource) console.log(`  ${s}: ${n}`);
console.log('\n| category | TP | FP | FN | precision | recall |\n| --- | ---: | ---: | ---: | ---: | ---: |');
for (const s of [...report.categories, report.families.pii, report.families.secret]) {
  const name = s.category === 'pii' || s.category === 'secret' ? `**${s.category} (all)**` : s.category;
  console.log(`| ${name} | ${s.tp} | ${s.fp} | ${s.fn} | ${f(s.precision)} | ${f(s.recall)} |`);
}
console.log(`\nsecret spans masked under some secret label: ${f(report.secretAnyLabelRecall)}`);
if (process.argv.includes('--misses')) {
  console.log('\nmisses:');
  for (const m of report.misses)
    console.log(`  ${m.kind} ${m.category} [${m.source}] ${JSON.stringify(m.text).slice(0, 140)}`);
} else {
  console.log(`${report.misses.length} misses (add --misses to list them)`);
}
