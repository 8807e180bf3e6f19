// What reading across message boundaries adds and costs, on the held-out injection sources (third-party
// rows, never trained on), through the engine's public API (evaluateSegments), every injection family a
// flag rule on input:
// - recall on attacks cut in two user messages at the middle word, whole vs split;
// - ordinary prompts sent two by two as consecutive user messages: pairs flagged that neither prompt is
//   flagged alone (false positives the boundary adds).
// Run: node bench/policy-engine/run.cjs bench/policy-engine/split-messages.eval.ts
import { compilePolicy, type TextSegment } from '@pgw/policy-engine';
import {
  loadCorpus,
  loadHeldOutModel,
  splitBySource,
} from '../../libs/policy-engine/corpus/injection-dataset';
import { allFamiliesPolicy } from '../../libs/policy-engine/corpus/injection-metrics';
import { InjectionModel } from '../../libs/policy-engine/src/detectors/injection/injection-model';
import { useInjectionModelForEvaluation } from '../../libs/policy-engine/src/detectors/injection/shipped-model';

// The shipped model trains on every source, held-out ones included: the model trained without them scores.
useInjectionModelForEvaluation(new InjectionModel(loadHeldOutModel().model));
const policy = compilePolicy(allFamiliesPolicy());
useInjectionModelForEvaluation(null);
const input = { target: 'input' } as const;
const flagged = (segments: TextSegment[]) =>
  policy.evaluateSegments(segments, input).metadata.decision !== 'allow';
const user = (text: string): TextSegment => ({ role: 'user', text });

/** Cut at the word boundary nearest the middle (null for one-word texts). */
function halves(text: string): [string, string] | null {
  const mid = text.length >> 1;
  const after = text.indexOf(' ', mid);
  const before = text.lastIndexOf(' ', mid);
  const cut = after < 0 ? before : before < 0 ? after : mid - before <= after - mid ? before : after;
  if (cut <= 0) return null;
  return [text.slice(0, cut), text.slice(cut + 1)];
}

const { heldOut } = splitBySource(loadCorpus());
const attacks = heldOut.filter((r) => r.label === 'injection');
const ordinary = heldOut.filter((r) => r.label === 'benign');

let whole = 0;
let eitherHalf = 0;
let split = 0;
let splitOnly = 0;
let cuttable = 0;
for (const row of attacks) {
  const parts = halves(row.text);
  if (!parts) continue;
  cuttable++;
  const w = flagged([user(row.text)]);
  const alone = flagged([user(parts[0])]) || flagged([user(parts[1])]);
  const s = flagged([user(parts[0]), user(parts[1])]);
  if (w) whole++;
  if (alone) eitherHalf++;
  if (s) split++;
  if (s && !alone) splitOnly++;
}

let pairs = 0;
let pairFlagged = 0;
let boundaryOnly = 0;
for (let i = 0; i + 1 < ordinary.length; i += 2) {
  const a = ordinary[i].text;
  const b = ordinary[i + 1].text;
  pairs++;
  const together = flagged([user(a), user(b)]);
  if (together) pairFlagged++;
  if (together && !flagged([user(a)]) && !flagged([user(b)])) boundaryOnly++;
}

const pct = (n: number, d: number) => `${n} / ${d} (${((100 * n) / Math.max(1, d)).toFixed(1)}%)`;
console.log(`held-out attacks cut in two user messages (${cuttable} cuttable of ${attacks.length}):`);
console.log(`  caught whole:                          ${pct(whole, cuttable)}`);
console.log(`  caught split (evaluateSegments):       ${pct(split, cuttable)}`);
console.log(`  of which by neither half alone:        ${splitOnly}`);
console.log(`  caught when each half is judged alone: ${pct(eitherHalf, cuttable)}`);
console.log(`held-out ordinary prompts, two per request (${pairs} pairs):`);
console.log(`  pairs flagged:                         ${pct(pairFlagged, pairs)}`);
console.log(`  flagged only because of the boundary:  ${pct(boundaryOnly, pairs)}`);
