import { prepareText, tokenize } from './evasion-normalize';
import { featurize, HIDDEN_FEATURE } from './model-features';

/**
 * The learned injection detector: a linear model over hashed word, bigram and character n-gram features
 * (see model-features.ts), trained by scripts/injection/train.ts and shipped as injection-model.weights.ts.
 *
 * Head 0 scores "injection or not" (logistic); heads 1-4 name the family of an injection (softmax over
 * MODEL_FAMILIES). A text is scored by sliding windows of `window` and `window / 2` tokens over it and
 * keeping the window with the highest injection score, so an instruction buried in a long document is not
 * diluted by it.
 * Inside a window the weight sum is divided by the square root of its feature count.
 */
export const MODEL_FAMILIES = ['override', 'jailbreak', 'system_prompt_leak', 'indirect'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];
export const MODEL_HEADS = 1 + MODEL_FAMILIES.length;

export interface InjectionModelData {
  readonly version: 1;
  /** log2 of the number of hash buckets. */
  readonly bucketBits: number;
  /** Tokens per scoring window. */
  readonly window: number;
  /** A window's weight sum is divided by sqrt(max(features, minFeatures)): short texts are not amplified. */
  readonly minFeatures: number;
  /** A weight is its int8 value times `scale`. */
  readonly scale: number;
  /** One bias per head. */
  readonly bias: readonly number[];
  /** Default probability threshold (chosen on the held-out sources at <= 1% false positives). */
  readonly threshold: number;
  /** base64 of Int8Array(2^bucketBits * MODEL_HEADS), bucket-major. */
  readonly weights: string;
}

export interface InjectionScore {
  /** Probability that the text (its most suspicious window) is an injection. */
  readonly probability: number;
  readonly family: ModelFamily;
}

function decodeBase64(b64: string): Int8Array {
  const binary = atob(b64);
  const out = new Int8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Per-call scratch, grown on demand (evaluation is synchronous, so one set is enough). */
class Scratch {
  det = new Float64Array(256);
  fam = new Float64Array(256 * 4);
  count = new Float64Array(256);

  ensure(tokens: number): void {
    if (this.det.length > tokens) return;
    const size = Math.max(tokens + 1, this.det.length * 2);
    this.det = new Float64Array(size);
    this.fam = new Float64Array(size * 4);
    this.count = new Float64Array(size);
  }
}

export class InjectionModel {
  readonly threshold: number;
  readonly window: number;
  private readonly minFeatures: number;
  private readonly weights: Int8Array;
  private readonly mask: number;
  private readonly scale: number;
  private readonly bias: readonly number[];
  private readonly scratch = new Scratch();

  constructor(data: InjectionModelData) {
    if (data.version !== 1 || data.bias.length !== MODEL_HEADS)
      throw new Error('unsupported injection model');
    this.weights = decodeBase64(data.weights);
    if (this.weights.length !== (1 << data.bucketBits) * MODEL_HEADS) {
      throw new Error('injection model weights have the wrong size');
    }
    this.mask = (1 << data.bucketBits) - 1;
    this.scale = data.scale;
    this.bias = data.bias;
    this.threshold = data.threshold;
    this.window = data.window;
    this.minFeatures = Math.max(1, data.minFeatures);
  }

  score(text: string): InjectionScore {
    const prepared = prepareText(text);
    const tokens = tokenize(prepared.text);
    const n = tokens.length;
    const s = this.scratch;
    s.ensure(n);
    // Prefix sums (index t+1 holds the sum over tokens 0..t) of head 0, heads 1-4 and feature counts.
    const { det, fam, count } = s;
    det.fill(0, 0, n + 1);
    fam.fill(0, 0, (n + 1) * 4);
    count.fill(0, 0, n + 1);
    const w = this.weights;
    const mask = this.mask;
    featurize(tokens, (t, h) => {
      const base = (h & mask) * MODEL_HEADS;
      const sign = h >>> 31 === 1 ? -1 : 1;
      const at = t + 1;
      det[at] += sign * w[base];
      const f = at * 4;
      fam[f] += sign * w[base + 1];
      fam[f + 1] += sign * w[base + 2];
      fam[f + 2] += sign * w[base + 3];
      fam[f + 3] += sign * w[base + 4];
      count[at]++;
    });
    for (let t = 1; t <= n; t++) {
      det[t] += det[t - 1];
      count[t] += count[t - 1];
      for (let c = 0; c < 4; c++) fam[t * 4 + c] += fam[(t - 1) * 4 + c];
    }
    // The hidden-characters feature counts in every window.
    let extra = 0;
    let extraFam = [0, 0, 0, 0];
    let extraCount = 0;
    if (prepared.hidden) {
      const base = (HIDDEN_FEATURE & mask) * MODEL_HEADS;
      const sign = HIDDEN_FEATURE >>> 31 === 1 ? -1 : 1;
      extra = sign * w[base];
      extraFam = [1, 2, 3, 4].map((c) => sign * w[base + c]);
      extraCount = 1;
    }
    const minFeatures = this.minFeatures;
    let best = -Infinity;
    let bestEnd = 0;
    let bestSpan = 0;
    // Two window sizes: the full one for context, half of it so a short instruction in a long text is
    // not diluted by its neighbours.
    for (const size of [this.window, this.window >> 1]) {
      const span = Math.min(size, n);
      for (let end = span; end <= n; end++) {
        const k = count[end] - count[end - span] + extraCount;
        const z = (det[end] - det[end - span] + extra) / Math.sqrt(Math.max(k, minFeatures));
        if (z > best) {
          best = z;
          bestEnd = end;
          bestSpan = span;
        }
      }
    }
    const span = bestSpan;
    const k = count[bestEnd] - count[bestEnd - span] + extraCount;
    const norm = this.scale / Math.sqrt(Math.max(k, minFeatures));
    const z = this.bias[0] + best * this.scale;
    let family = 0;
    let top = -Infinity;
    for (let c = 0; c < 4; c++) {
      const sum = fam[bestEnd * 4 + c] - fam[(bestEnd - span) * 4 + c] + extraFam[c];
      const logit = this.bias[c + 1] + sum * norm;
      if (logit > top) {
        top = logit;
        family = c;
      }
    }
    return { probability: 1 / (1 + Math.exp(-z)), family: MODEL_FAMILIES[family] };
  }
}
