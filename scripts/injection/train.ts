// Trains the learned injection detector and writes its weights.
//
//   node bench/policy-engine/run.cjs scripts/injection/train.ts [--bits 18] [--epochs 10] [--seed N] [--no-cv]
//
// Three trainings, all deterministic (the same data and options give the same weights):
// 1. Held-out split: trains on the TRAIN sources only (libs/policy-engine/corpus/injection-dataset.ts) and
//    writes that model to data/injection/heldout-model.json; `npm run eval:injection` and the Jest gate
//    report it on the held-out sources it never saw.
//    Its threshold (<= 1% of the held-out ordinary prompts flagged) is the documented default.
// 2. Cross-validation by source: for every third-party repository, a model trained on all the others scores
//    its rows; figures at the default threshold and at the threshold cross-validation would pick itself.
// 3. The shipped model: trained on EVERY source, with the default threshold of step 1, written to
//    libs/policy-engine/src/detectors/injection/injection-model.weights.ts.
// Figures of steps 1 and 2 go to data/injection/model-report.json.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cipherTokens } from '../../libs/policy-engine/src/detectors/injection/cipher-decode';
import { prepareText, tokenize } from '../../libs/policy-engine/src/detectors/injection/evasion-normalize';
import {
  InjectionModel,
  MODEL_FAMILIES,
  MODEL_HEADS,
  type InjectionModelData,
} from '../../libs/policy-engine/src/detectors/injection/injection-model';
import { featurize, HIDDEN_FEATURE } from '../../libs/policy-engine/src/detectors/injection/model-features';
import {
  DATA_DIR,
  HELD_OUT,
  HELD_OUT_MODEL_FILE,
  type HeldOutModelFile,
  isOwnRow,
  loadCorpus,
  rowsNearHeldOut,
  mulberry32,
  type Row,
  splitBySource,
} from '../../libs/policy-engine/corpus/injection-dataset';
import { pickThreshold, reportBySource } from '../../libs/policy-engine/corpus/injection-metrics';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const BITS = option('bits', 18);
const WINDOW = option('window', 32);
const MIN_FEATURES = option('min-features', 64);
const EPOCHS = option('epochs', 10);
const LEARNING_RATE = option('lr', 0.2);
const L2 = option('l2', 1e-6);
/** Seed of the shuffling (--seed N: how much a figure moves with the order of training alone). */
const SEED = option('seed', 0x1c0de);
/** Target false-positive rate for the default threshold (on held-out ordinary prompts). */
const TARGET_FPR = 0.01;
/** Exponent of the per-source damping of example weights (0: every example weighs the same). */
const SOURCE_BALANCE = option('source-balance', 0);
/**
 * --damp REGEX=W (repeatable): rows whose source matches weigh W. Default: JailbreakBench artifacts at 0.1. Its rows are a
 * harmful request with a gibberish suffix (GCG, DSN) or a role-play around one (PAIR): most of what they share
 * is the harmful topic, not an instruction to the model, and at full weight they teach that creative-writing
 * and role-play requests are attacks (held-out ordinary prompts flagged, held-out recall at 1% FPR lower).
 */
const DAMP: [RegExp, number][] = (() => {
  const specs = process.argv.flatMap((arg, i) => (arg === '--damp' ? [process.argv[i + 1]] : []));
  return (specs.length > 0 ? specs : ['^JailbreakBench/artifacts@=0.1']).map((spec) => {
    const at = spec.lastIndexOf('=');
    return [new RegExp(spec.slice(0, at)), Number(spec.slice(at + 1))];
  });
})();
/** --half-windows: also train on windows of WINDOW / 2 tokens (tried: held-out recall 0.395 -> 0.360). */
const HALF_WINDOWS = process.argv.includes('--half-windows');
/** --drop REGEX: leave out rows whose source matches (for ablations). */
const DROP = process.argv.includes('--drop')
  ? new RegExp(process.argv[process.argv.indexOf('--drop') + 1])
  : null;

interface Example {
  /** Feature hashes, token after token. */
  hashes: Int32Array;
  /** tokenStart[t] = index in hashes of token t's first feature; length tokens + 1. */
  tokenStart: Int32Array;
  hidden: boolean;
  /** [start, end) token ranges the text is scored over during training. */
  windows: [number, number][];
  positive: boolean;
  family: number;
  /** owner/repo of the row: examples are weighted per source (see SOURCE_BALANCE). */
  repo: string;
  /** Weight factor of the row's source (--damp). */
  damp: number;
}

function toExample(row: Row): Example {
  const prepared = prepareText(row.text);
  const tokens = tokenize(prepared.text);
  // The decoded words of reversed and Caesar-shifted runs follow the text's own tokens, as in scoring.
  for (const word of cipherTokens(tokens)) tokens.push(word);
  const hashes: number[] = [];
  const tokenStart = new Int32Array(tokens.length + 1);
  featurize(tokens, (t, h) => {
    hashes.push(h | 0);
    tokenStart[t + 1] = hashes.length;
  });
  for (let t = 1; t <= tokens.length; t++) tokenStart[t] = Math.max(tokenStart[t], tokenStart[t - 1]);
  // Windows of WINDOW tokens, stride WINDOW / 2 (with --half-windows also the engine's WINDOW / 2 windows).
  const windows: [number, number][] = [];
  const n = tokens.length;
  for (const size of HALF_WINDOWS ? [WINDOW, WINDOW >> 1] : [WINDOW]) {
    if (n <= size) {
      windows.push([0, n]);
      continue;
    }
    const stride = size / 2;
    for (let s = 0; s + size <= n; s += stride) windows.push([s, s + size]);
    if ((n - size) % stride !== 0) windows.push([n - size, n]);
  }
  const unique = new Map(windows.map((w) => [`${w[0]}:${w[1]}`, w]));
  windows.length = 0;
  windows.push(...unique.values());
  return {
    hashes: Int32Array.from(hashes),
    tokenStart,
    hidden: prepared.hidden,
    windows,
    positive: row.label === 'injection',
    family: row.family ? MODEL_FAMILIES.indexOf(row.family) : -1,
    repo: row.repo,
    damp: DAMP.find(([pattern]) => pattern.test(row.source))?.[1] ?? 1,
  };
}

class Trainer {
  readonly weights: Float64Array;
  private readonly squares: Float64Array;
  readonly bias = new Float64Array(MODEL_HEADS);
  private readonly biasSquares = new Float64Array(MODEL_HEADS);
  private readonly mask: number;

  constructor(bits: number) {
    this.mask = (1 << bits) - 1;
    this.weights = new Float64Array((1 << bits) * MODEL_HEADS);
    this.squares = new Float64Array((1 << bits) * MODEL_HEADS).fill(1e-8);
  }

  /** Calls visit(hash) for every feature of the window (the hidden-characters one included). */
  private forEachFeature(ex: Example, [start, end]: [number, number], visit: (h: number) => void): void {
    for (let i = ex.tokenStart[start]; i < ex.tokenStart[end]; i++) visit(ex.hashes[i]);
    if (ex.hidden) visit(HIDDEN_FEATURE | 0);
  }

  private count(ex: Example, [start, end]: [number, number]): number {
    return ex.tokenStart[end] - ex.tokenStart[start] + (ex.hidden ? 1 : 0);
  }

  /** Logits of every head for one window. */
  logits(ex: Example, window: [number, number]): number[] {
    const z = Array.from(this.bias);
    const x = 1 / Math.sqrt(Math.max(this.count(ex, window), MIN_FEATURES));
    this.forEachFeature(ex, window, (h) => {
      const base = ((h >>> 0) & this.mask) * MODEL_HEADS;
      const v = h < 0 ? -x : x;
      for (let c = 0; c < MODEL_HEADS; c++) z[c] += this.weights[base + c] * v;
    });
    return z;
  }

  /** One AdaGrad step on one window: gradient per head. */
  step(ex: Example, window: [number, number], grads: number[]): void {
    const x = 1 / Math.sqrt(Math.max(this.count(ex, window), MIN_FEATURES));
    this.forEachFeature(ex, window, (h) => {
      const base = ((h >>> 0) & this.mask) * MODEL_HEADS;
      const v = h < 0 ? -x : x;
      for (let c = 0; c < MODEL_HEADS; c++) {
        if (grads[c] === 0) continue;
        const i = base + c;
        const g = grads[c] * v + L2 * this.weights[i];
        this.squares[i] += g * g;
        this.weights[i] -= (LEARNING_RATE * g) / Math.sqrt(this.squares[i]);
      }
    });
    for (let c = 0; c < MODEL_HEADS; c++) {
      if (grads[c] === 0) continue;
      this.biasSquares[c] += grads[c] * grads[c];
      this.bias[c] -= (LEARNING_RATE * grads[c]) / Math.sqrt(this.biasSquares[c] + 1e-8);
    }
  }
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Weight of an example by its source, per label: n^-SOURCE_BALANCE for a source of n examples, scaled so
 * that a label's examples keep their total weight. Large templated sources (thousands of wrapper x payload
 * rows) would otherwise decide what "injection" means; damping them makes the model learn what the
 * sources share, which is what carries to sources it has never seen.
 */
function sourceWeights(examples: readonly Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ex of examples) {
    const key = `${ex.positive}:${ex.repo}`;
    counts.set(key, (counts.get(key) ?? 0) + (ex.positive ? 1 : ex.windows.length));
  }
  const weights = new Map<string, number>();
  for (const positive of [true, false]) {
    const keys = [...counts.keys()].filter((k) => k.startsWith(`${positive}:`));
    const total = keys.reduce((sum, k) => sum + (counts.get(k) ?? 0), 0);
    const damped = keys.reduce((sum, k) => sum + Math.pow(counts.get(k) ?? 0, 1 - SOURCE_BALANCE), 0);
    for (const k of keys) weights.set(k, (Math.pow(counts.get(k) ?? 0, -SOURCE_BALANCE) * total) / damped);
  }
  return weights;
}

function train(examples: readonly Example[], quiet = false): Trainer {
  const positives = examples.filter((e) => e.positive).length;
  const negatives = examples.reduce((n, e) => n + (e.positive ? 0 : e.windows.length), 0);
  // Injections weigh as much as half of all ordinary windows.
  const positiveWeight = negatives / positives / 2;
  const sourceWeight = sourceWeights(examples);
  const trainer = new Trainer(BITS);
  // Families are unbalanced (many extraction prompts): each family weighs the same in the family heads.
  const perFamily = [0, 0, 0, 0];
  for (const ex of examples) if (ex.family >= 0) perFamily[ex.family]++;
  const total = perFamily.reduce((a, b) => a + b, 0);
  const familyWeight = perFamily.map((n) => (n === 0 ? 0 : total / (4 * n)));
  const random = mulberry32(SEED);
  // One item per benign window; one per injection (its most suspicious window, chosen as training goes).
  const items: [Example, number][] = [];
  for (const ex of examples) {
    if (ex.positive) items.push([ex, -1]);
    else ex.windows.forEach((_w, i) => items.push([ex, i]));
  }
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    let loss = 0;
    for (const [ex, w] of items) {
      let window = ex.windows[Math.max(w, 0)];
      let z = trainer.logits(ex, window);
      if (w < 0 && ex.windows.length > 1) {
        for (const candidate of ex.windows.slice(1)) {
          const zc = trainer.logits(ex, candidate);
          if (zc[0] > z[0]) [window, z] = [candidate, zc];
        }
      }
      const y = ex.positive ? 1 : 0;
      const p = sigmoid(z[0]);
      const weight =
        (ex.positive ? positiveWeight : 1) * ex.damp * (sourceWeight.get(`${ex.positive}:${ex.repo}`) ?? 1);
      loss -= weight * (y ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12));
      const grads = [weight * (p - y), 0, 0, 0, 0];
      if (ex.positive && ex.family >= 0) {
        const fam = z.slice(1);
        const top = Math.max(...fam);
        const exps = fam.map((v) => Math.exp(v - top));
        const sum = exps.reduce((a, b) => a + b, 0);
        const fw = familyWeight[ex.family];
        for (let c = 0; c < 4; c++) grads[c + 1] = fw * (exps[c] / sum - (c === ex.family ? 1 : 0));
      }
      trainer.step(ex, window, grads);
    }
    if (!quiet) console.log(`epoch ${epoch + 1}: loss ${(loss / items.length).toFixed(4)}`);
  }
  return trainer;
}

function quantize(trainer: Trainer, threshold: number): InjectionModelData {
  let max = 0;
  for (const w of trainer.weights) max = Math.max(max, Math.abs(w));
  const scale = max / 127;
  const q = new Int8Array(trainer.weights.length);
  for (let i = 0; i < q.length; i++) q[i] = Math.round(trainer.weights[i] / scale);
  return {
    version: 1,
    bucketBits: BITS,
    window: WINDOW,
    minFeatures: MIN_FEATURES,
    scale,
    bias: Array.from(trainer.bias),
    threshold,
    weights: Buffer.from(q.buffer).toString('base64'),
  };
}

const isOrdinary = (r: Row) => r.label === 'benign';

/** Recall at a few false-positive rates (threshold picked on the same ordinary rows): the trade-off curve. */
function printCurve(title: string, rows: readonly Row[], scores: readonly number[]): void {
  const ordinary = scores.filter((_s, i) => isOrdinary(rows[i]));
  const total = rows.filter((r) => !isOrdinary(r)).length;
  for (const fpr of [0.01, 0.02, 0.05]) {
    const t = pickThreshold(ordinary, fpr);
    const hits = scores.filter((s, i) => !isOrdinary(rows[i]) && s >= t).length;
    console.log(
      `${title}: recall at ${fpr * 100}% FPR ${(hits / total).toFixed(3)} (threshold ${t.toFixed(3)})`,
    );
  }
}

/** Step 1: train on the TRAIN sources, threshold and figures on the held-out ones. */
function heldOutSplit(rows: readonly Row[], examples: readonly Example[]) {
  const { heldOut } = splitBySource(rows);
  const near = rowsNearHeldOut(rows);
  console.log(`held-out split: ${near.size} training rows nearly repeat a held-out row and are left out`);
  const trainer = train(examples.filter((_e, i) => !HELD_OUT.has(rows[i].repo) && !near.has(rows[i])));
  const provisional = new InjectionModel(quantize(trainer, 0.5));
  const scores = heldOut.map((r) => provisional.score(r.text).probability);
  printCurve('held-out split', heldOut, scores);
  const threshold = pickThreshold(
    scores.filter((_s, i) => isOrdinary(heldOut[i])),
    TARGET_FPR,
  );
  const report = reportBySource(heldOut, (_text, i) => scores[i] >= threshold);
  console.table(report.rows);
  // --show: the held-out ordinary prompts flagged and a sample of the attacks missed (for error analysis);
  // --show-all: every attack missed.
  const showAll = process.argv.includes('--show-all');
  if (showAll || process.argv.includes('--show')) {
    heldOut.forEach((r, i) => {
      const flagged = scores[i] >= threshold;
      if (flagged === (r.label === 'benign') && (r.label === 'benign' || showAll || i % 7 === 0))
        console.log(
          `${r.label === 'benign' ? 'FP' : 'FN'} ${scores[i].toFixed(3)} ${r.repo}: ${r.text.slice(0, 160).replace(/\s+/g, ' ')}`,
        );
    });
  }
  console.log(`held-out split, model alone, threshold ${threshold.toFixed(4)}:`, report.overall);
  const trainedOn = [...new Set(rows.filter((r) => !HELD_OUT.has(r.repo)).map((r) => r.repo))].sort();
  return { data: quantize(trainer, threshold), report, trainedOn, rowsLeftOut: near.size };
}

/**
 * Step 2: every third-party repository is scored by a model trained on all the others (the files written
 * for this repository always stay in training). Returns the out-of-source score of every row.
 */
function crossValidateBySource(rows: readonly Row[], examples: readonly Example[]): number[] {
  const scores = new Array<number>(rows.length).fill(NaN);
  const repos = [...new Set(rows.filter((r) => !isOwnRow(r)).map((r) => r.repo))].sort();
  for (const repo of repos) {
    const trainer = train(
      examples.filter((_e, i) => rows[i].repo !== repo),
      true,
    );
    const model = new InjectionModel(quantize(trainer, 0.5));
    rows.forEach((r, i) => {
      if (r.repo === repo) scores[i] = model.score(r.text).probability;
    });
    console.log(`cross-validation: scored ${repo}`);
  }
  return scores;
}

function main(): void {
  const rows = loadCorpus().filter((r) => !DROP?.test(r.source));
  const examples = rows.map(toExample);
  const positives = examples.filter((e) => e.positive).length;
  console.log(`corpus: ${positives} injections, ${rows.length - positives} ordinary rows`);

  const split = heldOutSplit(rows, examples);
  // --split-only: the held-out split figures, nothing written (for trying options).
  if (process.argv.includes('--split-only')) return;
  // --dry-run: every figure, nothing written (for comparing options side by side).
  const write = process.argv.includes('--dry-run') ? () => undefined : writeFileSync;
  write(
    HELD_OUT_MODEL_FILE,
    JSON.stringify({
      trainedOn: split.trainedOn,
      rowsLeftOut: split.rowsLeftOut,
      model: split.data,
    } satisfies HeldOutModelFile) + '\n',
  );

  // The documented default: the held-out split's threshold (<= 1% of ordinary prompts from sources the model
  // never saw). Cross-validation also reports the threshold it would pick itself, which is stricter: leaving
  // out a whole kind of ordinary text (all role prompts, all instruction-following tasks) is harder than
  // meeting new prompts of kinds the training has.
  const threshold = split.data.threshold;
  let crossValidation: object | null = null;
  if (!process.argv.includes('--no-cv')) {
    const scores = crossValidateBySource(rows, examples);
    const scored = rows.filter((_r, i) => !Number.isNaN(scores[i]));
    const scoredScores = scores.filter((s) => !Number.isNaN(s));
    printCurve('cross-validation by source', scored, scoredScores);
    const at = (t: number) =>
      reportBySource(scored, (_text, i) => scoredScores[i] >= t, 'all third-party sources');
    const ownThreshold = pickThreshold(
      scoredScores.filter((_s, i) => isOrdinary(scored[i])),
      TARGET_FPR,
    );
    const atDefault = at(threshold);
    const atOwn = at(ownThreshold);
    console.table(atDefault.rows);
    console.log(
      `cross-validation by source at the default threshold ${threshold.toFixed(4)}:`,
      atDefault.overall,
    );
    console.log(
      `cross-validation by source at its own 1% threshold ${ownThreshold.toFixed(4)}:`,
      atOwn.overall,
    );
    crossValidation = {
      atDefaultThreshold: { threshold, modelAlone: atDefault },
      atOwnOnePercentThreshold: { threshold: ownThreshold, modelAlone: atOwn },
    };
  }

  // Step 3: the shipped model learns from every source.
  const data = quantize(train(examples), threshold);
  const out = resolve(
    __dirname,
    '../../libs/policy-engine/src/detectors/injection/injection-model.weights.ts',
  );
  write(
    out,
    `// Generated by scripts/injection/train.ts (see libs/policy-engine/data/injection/DATA-CARD.md). Do not edit.\n` +
      `import type { InjectionModelData } from './injection-model';\n\n` +
      `export const INJECTION_MODEL_DATA: InjectionModelData = ${JSON.stringify(data)};\n`,
  );
  write(
    resolve(DATA_DIR, 'model-report.json'),
    JSON.stringify(
      {
        options: {
          bits: BITS,
          window: WINDOW,
          minFeatures: MIN_FEATURES,
          epochs: EPOCHS,
          learningRate: LEARNING_RATE,
          l2: L2,
        },
        shipped: { trainedOn: 'every source', threshold },
        heldOutSplit: { threshold: split.data.threshold, modelAlone: split.report },
        crossValidationBySource: crossValidation,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${out}`);
}

main();
