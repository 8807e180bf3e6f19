/** One labelled text: the categories a correct detector set reports for it (empty for negatives). */
export interface CorpusCase {
  readonly text: string;
  readonly expect: readonly string[];
  readonly kind: 'positive' | 'hard_negative' | 'evasion' | 'ordinary';
  /** The category family this case was written for (report grouping). */
  readonly topic: string;
}

/** Deterministic PRNG (mulberry32) so the corpus is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)];
}

export function randomChars(rnd: () => number, alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
}

export const DIGITS = '0123456789';
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const positive = (topic: string, text: string, ...expect: string[]): CorpusCase => ({
  text,
  expect: expect.length ? expect : [topic],
  kind: 'positive',
  topic,
});
export const evasion = (topic: string, text: string, ...expect: string[]): CorpusCase => ({
  text,
  expect: expect.length ? expect : [topic],
  kind: 'evasion',
  topic,
});
/** A hard negative for `topic`; `alsoExpected` lists what it legitimately is (a phone is not a card). */
export const negative = (topic: string, text: string, ...alsoExpected: string[]): CorpusCase => ({
  text,
  expect: alsoExpected,
  kind: 'hard_negative',
  topic,
});
