/**
 * Hashed features of the learned injection model, shared by the engine (scoring) and the training script
 * (scripts/injection), so both see exactly the same features. Every feature is anchored at one token: the
 * token itself, the bigram it ends, and its character 3- and 4-grams (with word-boundary marks), which
 * carry morphology, other languages and partly obfuscated words. Hashes are FNV-1a 32 with a seed per
 * feature kind; the top bit gives the feature's sign (signed hashing keeps collisions unbiased).
 */

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

/** Most features one token can have: word, bigram, and a 3-gram and a 4-gram per padded position. */
export const MAX_TOKEN_FEATURES = 2 + 2 * (MAX_GRAM_TOKEN + 2);

/**
 * Writes the features anchored at one token into `out` from index `at` (unsigned hashes stored as int32;
 * the first one is the token's word hash, which the next token's bigram needs) and returns the index after
 * the last. `prevWord` is the previous token's word hash, or 0 at the start. No callbacks: this is the
 * inner loop of scoring.
 */
export function tokenFeatures(token: string, prevWord: number, out: Int32Array, at: number): number {
  const word = mix(hashString(SEED_WORD, token));
  out[at++] = word;
  if (prevWord !== 0) out[at++] = mix(Math.imul(prevWord ^ SEED_BIGRAM, FNV_PRIME) ^ word);
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
  let prev = 0;
  for (let t = 0; t < tokens.length; t++) {
    const end = tokenFeatures(tokens[t], prev, buffer, 0);
    for (let i = 0; i < end; i++) emit(t, buffer[i] >>> 0);
    prev = buffer[0] >>> 0;
  }
}
