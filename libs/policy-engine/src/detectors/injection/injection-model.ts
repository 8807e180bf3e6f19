import { cipherTokens, MIN_DECODED, mayBeCipher } from './cipher-decode';
import { prepareText, tokenize } from './evasion-normalize';
import { FeatureContext, HIDDEN_FEATURE, MAX_TOKEN_FEATURES, tokenFeatures } from './model-features';
import { loadWordClusters } from './word-clusters';

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
  /** The family the model names for that window; null when the probability stayed below `familyFrom`. */
  readonly family: ModelFamily | null;
}

function decodeBase64(b64: string): Int8Array {
  const binary = atob(b64);
  const out = new Int8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** One token's features (scoring is synchronous, so one buffer is enough). */
const FEATURES = new Int32Array(MAX_TOKEN_FEATURES);
const CONTEXT = new FeatureContext();

/** Per-call scratch, grown on demand (evaluation is synchronous, so one set is enough). */
class Scratch {
  /** Prefix sums: index t+1 holds the sum over tokens 0..t of head-0 weights and of feature counts. */
  det = new Float64Array(256);
  count = new Float64Array(256);

  /** Room for `tokens` tokens, keeping the sums already written. */
  ensure(tokens: number): void {
    if (this.det.length > tokens) return;
    const size = Math.max(tokens + 1, this.det.length * 2);
    const det = new Float64Array(size);
    const count = new Float64Array(size);
    det.set(this.det);
    count.set(this.count);
    this.det = det;
    this.count = count;
  }
}

export class InjectionModel {
  readonly threshold: number;
  readonly window: number;
  private readonly minFeatures: number;
  /** Head 0 alone (scanned for every feature, so kept compact), then heads 1-4 bucket-major. */
  private readonly detect: Int8Array;
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
    this.detect = new Int8Array(1 << data.bucketBits);
    for (let b = 0; b < this.detect.length; b++) this.detect[b] = this.weights[b * MODEL_HEADS];
    this.scale = data.scale;
    this.bias = data.bias;
    this.threshold = data.threshold;
    this.window = data.window;
    this.minFeatures = Math.max(1, data.minFeatures);
    loadWordClusters();
  }

  /**
   * Scores a text. The family is only worked out when the probability reaches `familyFrom` (the lowest
   * threshold that could use it): most texts stop after head 0.
   */
  score(text: string, familyFrom = 0): InjectionScore {
    const prepared = prepareText(text);
    const tokens = tokenize(prepared.text);
    const s = this.scratch;
    s.det[0] = 0;
    s.count[0] = 0;
    const context = CONTEXT.reset();
    const candidates = this.sumTokens(tokens, 0, context);
    // Reversed or Caesar-shifted runs: their decoded words are scored after the text's own tokens.
    if (candidates.length >= MIN_DECODED) {
      const decoded = cipherTokens(tokens, candidates);
      if (decoded.length > 0) {
        const from = tokens.length;
        for (const word of decoded) tokens.push(word);
        this.sumTokens(tokens, from, context);
      }
    }
    const n = tokens.length;
    const { det, count } = s;
    // The hidden-characters feature counts in every window.
    const extra = prepared.hidden ? this.weightOf(HIDDEN_FEATURE, 0) : 0;
    const extraCount = prepared.hidden ? 1 : 0;
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
    // Text hidden in Tag characters is an attack whatever it says (garak's probe hides "give me a recipe").
    const probability = prepared.smuggled ? 1 : 1 / (1 + Math.exp(-(this.bias[0] + best * this.scale)));
    if (probability < familyFrom) return { probability, family: null };
    return { probability, family: this.familyOf(tokens, bestEnd - bestSpan, bestEnd, prepared.hidden) };
  }

  /**
   * Prefix sums of head-0 weights and feature counts for tokens[from..] (scratch index t + 1), continuing
   * those before `from`. Returns the tokens that could be evidence of a cipher run (see cipher-decode).
   */
  private sumTokens(tokens: readonly string[], from: number, context: FeatureContext): string[] {
    const s = this.scratch;
    s.ensure(tokens.length);
    const { det, count } = s;
    const w = this.detect;
    const mask = this.mask;
    const buffer = FEATURES;
    let sum = det[from];
    let features = count[from];
    const candidates: string[] = [];
    for (let t = from; t < tokens.length; t++) {
      const end = tokenFeatures(tokens[t], context, buffer, 0);
      for (let i = 0; i < end; i++) {
        const h = buffer[i];
        sum += h < 0 ? -w[h & mask] : w[h & mask];
      }
      if (context.cluster < 0 && mayBeCipher(tokens[t])) candidates.push(tokens[t]);
      features += end;
      det[t + 1] = sum;
      count[t + 1] = features;
    }
    return candidates;
  }

  private weightOf(hash: number, head: number): number {
    return (hash >>> 31 === 1 ? -1 : 1) * this.weights[(hash & this.mask) * MODEL_HEADS + head];
  }

  /** Family heads over one window (tokens start..end-1), the same features as head 0 saw. */
  private familyOf(tokens: readonly string[], start: number, end: number, hidden: boolean): ModelFamily {
    const logits = [0, 0, 0, 0];
    let features = 0;
    const add = (h: number) => {
      for (let c = 0; c < 4; c++) logits[c] += this.weightOf(h, c + 1);
      features++;
    };
    // The window's first features need the two tokens before it.
    const context = CONTEXT.reset();
    for (let t = Math.max(0, start - 2); t < start; t++) tokenFeatures(tokens[t], context, FEATURES, 0);
    for (let t = start; t < end; t++) {
      const stop = tokenFeatures(tokens[t], context, FEATURES, 0);
      for (let i = 0; i < stop; i++) add(FEATURES[i] >>> 0);
    }
    if (hidden) add(HIDDEN_FEATURE);
    const norm = this.scale / Math.sqrt(Math.max(features, this.minFeatures));
    let family = 0;
    for (let c = 0; c < 4; c++) {
      logits[c] = this.bias[c + 1] + logits[c] * norm;
      if (logits[c] > logits[family]) family = c;
    }
    return MODEL_FAMILIES[family];
  }
}
