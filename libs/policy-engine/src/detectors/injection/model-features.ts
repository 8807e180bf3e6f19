/**
 * Hashed features of the learned injection model, shared by the engine (scoring) and the training script
 * (scripts/injection), so both see exactly the same features. Every feature is anchored at one token: the
 * token itself, the bigram it ends, and its character 3- and 4-grams (with word-boundary marks), which
 * carry morphology, other languages and partly obfuscated words. Hashes are FNV-1a 32 with a seed per
 * feature kind; the top bit gives the feature's sign (signed hashing keeps collisions unbiased).
 */

export interface FeatureSink {
  /** Called once per feature of the current token. */
  (hash: number): void;
}

const FNV_PRIME = 0x01000193;
const SEED_WORD = 0x811c9dc5;
const SEED_BIGRAM = 0x2b992ddf;
const SEED_GRAM3 = 0x5bd1e995;
const SEED_GRAM4 = 0x68e31da4;
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

/**
 * Emits the features anchored at token i (given the previous token's word hash, or 0 at the start) and
 * returns this token's word hash.
 */
export function tokenFeatures(token: string, prevWord: number, emit: FeatureSink): number {
  const word = mix(hashString(SEED_WORD, token));
  emit(word);
  if (prevWord !== 0) emit(mix(Math.imul(prevWord ^ SEED_BIGRAM, FNV_PRIME) ^ word));
  const len = Math.min(token.length, MAX_GRAM_TOKEN);
  codes[0] = EDGE;
  for (let j = 0; j < len; j++) codes[j + 1] = token.charCodeAt(j);
  codes[len + 1] = EDGE;
  const total = len + 2;
  for (let j = 0; j + 3 <= total; j++) {
    const h = Math.imul(SEED_GRAM3 ^ codes[j], FNV_PRIME);
    const g = Math.imul(SEED_GRAM4 ^ codes[j], FNV_PRIME);
    emit(mix(Math.imul(Math.imul(h ^ codes[j + 1], FNV_PRIME) ^ codes[j + 2], FNV_PRIME)));
    if (j + 4 <= total) {
      emit(
        mix(
          Math.imul(
            Math.imul(Math.imul(g ^ codes[j + 1], FNV_PRIME) ^ codes[j + 2], FNV_PRIME) ^ codes[j + 3],
            FNV_PRIME,
          ),
        ),
      );
    }
  }
  return word;
}

/** Calls `emit(token, hash)` for every feature of every token (tokens numbered from 0). */
export function featurize(tokens: readonly string[], emit: (token: number, hash: number) => void): void {
  let prev = 0;
  let at = 0;
  const sink: FeatureSink = (h) => emit(at, h);
  for (; at < tokens.length; at++) prev = tokenFeatures(tokens[at], prev, sink);
}
