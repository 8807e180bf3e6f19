// Trains the learned injection detector and writes its weights file.
//
//   node bench/policy-engine/run.cjs scripts/injection/train.ts [--bits 18] [--window 64] [--epochs 10]
//
// Trains on the TRAIN sources of scripts/injection/dataset.ts (never the held-out repositories), picks
// the default threshold on the held-out sources at <= 1% false positives, and writes
// libs/policy-engine/src/detectors/injection/injection-model.weights.ts plus model-report.json beside
// the corpus. Deterministic: the same data and options give the same weights.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
  loadCorpus,
  mulberry32,
  type Row,
  splitBySource,
} from '../../libs/policy-engine/corpus/injection-dataset';
import { pickThreshold, reportBySource } from '../../libs/policy-engine/corpus/injection-metrics';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const BITS = option('bits', 16);
const WINDOW = option('window', 32);
const MIN_FEATURES = option('min-features', 64);
const EPOCHS = option('epochs', 10);
const LEARNING_RATE = option('lr', 0.2);
const L2 = option('l2', 1e-6);
/** Target false-positive rate for the default threshold (on held-out ordinary prompts). */
const TARGET_FPR = 0.01;

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
}

function toExample(row: Row): Example {
  const prepared = prepareText(row.text);
  const tokens = tokenize(prepared.text);
  const hashes: number[] = [];
  const tokenStart = new Int32Array(tokens.length + 1);
  featurize(tokens, (t, h) => {
    hashes.push(h | 0);
    tokenStart[t + 1] = hashes.length;
  });
  for (let t = 1; t <= tokens.length; t++) tokenStart[t] = Math.max(tokenStart[t], tokenStart[t - 1]);
  const windows: [number, number][] = [];
  const n = tokens.length;
  if (n <= WINDOW) windows.push([0, n]);
  else {
    const stride = WINDOW / 2;
    for (let s = 0; s + WINDOW <= n; s += stride) windows.push([s, s + WINDOW]);
    if ((n - WINDOW) % stride !== 0) windows.push([n - WINDOW, n]);
  }
  return {
    hashes: Int32Array.from(hashes),
    tokenStart,
    hidden: prepared.hidden,
    windows,
    positive: row.label === 'injection',
    family: row.family ? MODEL_FAMILIES.indexOf(row.family) : -1,
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

function train(examples: Example[], positiveWeight: number): Trainer {
  const trainer = new Trainer(BITS);
  // Families are unbalanced (many extraction prompts): each family weighs the same in the family heads.
  const perFamily = [0, 0, 0, 0];
  for (const ex of examples) if (ex.family >= 0) perFamily[ex.family]++;
  const total = perFamily.reduce((a, b) => a + b, 0);
  const familyWeight = perFamily.map((n) => (n === 0 ? 0 : total / (4 * n)));
  const random = mulberry32(0x1c0de);
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
      const weight = ex.positive ? positiveWeight : 1;
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
    console.log(`epoch ${epoch + 1}: loss ${(loss / items.length).toFixed(4)}`);
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

function main(): void {
  const { train: trainRows, heldOut } = splitBySource(loadCorpus());
  const examples = trainRows.map(toExample);
  const positives = examples.filter((e) => e.positive).length;
  const negatives = examples.reduce((n, e) => n + (e.positive ? 0 : e.windows.length), 0);
  console.log(
    `train: ${positives} injections, ${negatives} ordinary windows; held out: ${heldOut.length} rows`,
  );
  const trainer = train(examples, negatives / positives / 2);

  const provisional = new InjectionModel(quantize(trainer, 0.5));
  const scores = heldOut.map((r) => provisional.score(r.text).probability);
  const threshold = pickThreshold(
    scores.filter((_s, i) => heldOut[i].label === 'benign'),
    TARGET_FPR,
  );
  for (const fpr of [0.01, 0.02, 0.05, 0.1]) {
    const t = pickThreshold(
      scores.filter((_s, i) => heldOut[i].label === 'benign'),
      fpr,
    );
    const hits = scores.filter((s, i) => heldOut[i].label === 'injection' && s >= t).length;
    const total = heldOut.filter((r) => r.label === 'injection').length;
    console.log(
      `held-out recall at ${fpr * 100}% FPR: ${(hits / total).toFixed(3)} (threshold ${t.toFixed(3)})`,
    );
  }
  const data = quantize(trainer, threshold);
  const model = new InjectionModel(data);
  const report = reportBySource(heldOut, (text) => model.score(text).probability >= threshold);
  console.table(report.rows);
  console.log(`threshold ${threshold.toFixed(4)}; held-out overall`, report.overall);

  const out = resolve(
    __dirname,
    '../../libs/policy-engine/src/detectors/injection/injection-model.weights.ts',
  );
  writeFileSync(
    out,
    `// Generated by scripts/injection/train.ts (see libs/policy-engine/data/injection/DATA-CARD.md). Do not edit.\n` +
      `import type { InjectionModelData } from './injection-model';\n\n` +
      `export const INJECTION_MODEL_DATA: InjectionModelData = ${JSON.stringify(data)};\n`,
  );
  writeFileSync(
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
        threshold,
        heldOut: report,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${out}`);
}

main();
