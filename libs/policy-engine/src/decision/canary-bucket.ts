/** 32-bit FNV-1a over UTF-16 code units: tiny, fast, stable across processes and releases. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Bucket 0..9999 of a key: the same key always lands in the same bucket. */
export function canaryBucket(key: string): number {
  return fnv1a32(key) % 10_000;
}

/** Inside a canary of `percentage` (0-100, two decimals of resolution)? */
export function inCanary(key: string | undefined, percentage: number): boolean {
  if (key === undefined || key === '') return false;
  return canaryBucket(key) < Math.round(percentage * 100);
}
