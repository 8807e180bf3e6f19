import { clusterOf } from './word-clusters';

/**
 * Hashed features of the learned injection model, shared by the engine (scoring) and the training script
 * (scripts/injection), so both see exactly the same features. Every feature is anchored at one token: the
 * token itself, the bigram it ends and the skip-bigram with the token two back ("ignore all instructions"
 * and "ignore previous instructions" share "ignore _ instructions"), its character 3- and 4-grams (with word-boundary marks), which
 * carry morphology, other languages and partly obfuscated words, and its word cluster with the clusters of
 * the two tokens before it (word-clusters.ts), which carry paraphrases. Hashes are FNV-1a 32 with a seed
 * per feature kind; the top bit gives the feature's sign (signed hashing keeps collisions unbiased).
 */

const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x811c9dc5;
const SEED_BIGRAM = 0x2b992ddf;
const SEED_GRAM3 = 0x5bd1e995;
const SEED_GRAM4 = 0x68e31da4;
const SEED_CLUSTER = 0x3c6ef372;
const SEED_CLUSTER_BIGRAM = 0x1f83d9ab;
const SEED_CLUSTER_SKIP = 0x5be0cd19;
const SEED_WORD_SKIP = 0x510e527f;
/** Feature emitted once per text when it hid characters (Tags, zero-width). */
export const HIDDEN_FEATURE = 0x1b873593;
/** Word boundary mark in character n-grams. */
const EDGE = 0x2;
/** Longest token whose character n-grams are taken in full (long runs: base64, unsegmented scripts). */
const MAX_GRAM_TOKEN = 48;

export function hashString(seed: number, s: string): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The padded token's char codes (EDGE before and after); reused, scoring is synchronous. */
const codes = new Int32Array(MAX_GRAM_TOKEN + 2);

/** Most features one token can have: word, bigram, skip-bigram, 3 cluster ones, a 3-gram and a 4-gram per padded position. */
export const MAX_TOKEN_FEATURES = 6 + 2 * (MAX_GRAM_TOKEN + 2);

/** What a token's features need of the tokens before it; `tokenFeatures` advances it. */
export class FeatureContext {
  /** Word hash of the previous token (0 at the start). */
  word = 0;
  /** Word hash of the token before the previous one (0: none). */
  wordBefore = 0;
  /** Clusters of the previous token and of the one before it (-1: none). */
  cluster = -1;
  clusterBefore = -1;

  reset(): this {
    this.word = 0;
    this.wordBefore = 0;
    this.cluster = -1;
    this.clusterBefore = -1;
    return this;
  }
}

const pair = (seed: number, a: number, b: number) =>
  mix(Math.imul(Math.imul(seed ^ a, FNV_PRIME) ^ b, FNV_PRIME));

/**
 * Writes the features anchored at one token into `out` from index `at` (unsigned hashes stored as int32)
 * and returns the index after the last; then moves `context` past the token. No callbacks: this is the
 * inner loop of scoring.
 */
export function tokenFeatures(token: string, context: FeatureContext, out: Int32Array, at: number): number {
  const word = mix(hashString(SEED_WORD, token));
  out[at++] = word;
  const prevWord = context.word;
  if (prevWord !== 0) out[at++] = mix(Math.imul(prevWord ^ SEED_BIGRAM, FNV_PRIME) ^ word);
  if (context.wordBefore !== 0) out[at++] = pair(SEED_WORD_SKIP, context.wordBefore, word);
  const cluster = clusterOf(token);
  if (cluster >= 0) {
    out[at++] = pair(SEED_CLUSTER, cluster, 0);
    if (context.cluster >= 0) out[at++] = pair(SEED_CLUSTER_BIGRAM, context.cluster, cluster);
    if (context.clusterBefore >= 0) out[at++] = pair(SEED_CLUSTER_SKIP, context.clusterBefore, cluster);
  }
  context.wordBefore = prevWord;
  context.word = word;
  context.clusterBefore = context.cluster;
  context.cluster = cluster;
  const len = Math.min(token.length, MAX_GRAM_TOKEN);
  codes[0] = EDGE;
  for (let j = 0; j < len; j++) codes[j + 1] = token.charCodeAt(j);
  codes[len + 1] = EDGE;
  const total = len + 2;
  for (let j = 0; j + 3 <= total; j++) {
    const h = Math.imul(Math.imul(SEED_GRAM3 ^ codes[j], FNV_PRIME) ^ codes[j + 1], FNV_PRIME);
    out[at++] = mix(Math.imul(h ^ codes[j + 2], FNV_PRIME));
    if (j + 4 <= total) {
      const g = Math.imul(Math.imul(SEED_GRAM4 ^ codes[j], FNV_PRIME) ^ codes[j + 1], FNV_PRIME);
      out[at++] = mix(Math.imul(Math.imul(g ^ codes[j + 2], FNV_PRIME) ^ codes[j + 3], FNV_PRIME));
    }
  }
  return at;
}

/** Calls `emit(token, hash)` for every feature of every token (tokens numbered from 0; for training). */
export function featurize(tokens: readonly string[], emit: (token: number, hash: number) => void): void {
  const buffer = new Int32Array(MAX_TOKEN_FEATURES);
  const context = new FeatureContext();
  for (let t = 0; t < tokens.length; t++) {
    const end = tokenFeatures(tokens[t], context, buffer, 0);
    for (let i = 0; i < end; i++) emit(t, buffer[i] >>> 0);
  }
}
