/**
 * Per-model figures the cost bound needs, from OpenAI's model pages (largest output) and its vision guide
 * ("Calculating costs": image tokens per 512 px tile, or per 32 px patch with a model multiplier).
 * Matched by the upstream model id's longest prefix; dated snapshots share their family's figures.
 */
export interface ImageCost {
  /** Tile models: tokens = base + tile x tiles; a 'low' detail image costs base only. */
  base?: number;
  tile?: number;
  /** Patch models: tokens = patches (at most 1536) x multiplier, whatever the detail. */
  patchMultiplier?: number;
}

export interface ModelTokenLimits {
  /** The most output tokens one choice can have (what a request without max_tokens can cost). */
  maxOutputTokens: number;
  image: ImageCost;
}

const TILE_4O: ImageCost = { base: 85, tile: 170 };

/** Longest prefix first, so 'gpt-4o-mini' is found before 'gpt-4o'. */
const MODELS: [prefix: string, limits: ModelTokenLimits][] = [
  ['gpt-4o-mini', { maxOutputTokens: 16_384, image: { base: 2_833, tile: 5_667 } }],
  ['gpt-4o', { maxOutputTokens: 16_384, image: TILE_4O }],
  ['chatgpt-4o', { maxOutputTokens: 16_384, image: TILE_4O }],
  ['gpt-4.1-mini', { maxOutputTokens: 32_768, image: { patchMultiplier: 1.62 } }],
  ['gpt-4.1-nano', { maxOutputTokens: 32_768, image: { patchMultiplier: 2.46 } }],
  ['gpt-4.1', { maxOutputTokens: 32_768, image: TILE_4O }],
  ['gpt-4.5', { maxOutputTokens: 16_384, image: TILE_4O }],
  ['gpt-4-turbo', { maxOutputTokens: 4_096, image: TILE_4O }],
  ['gpt-4', { maxOutputTokens: 8_192, image: TILE_4O }],
  ['gpt-3.5-turbo', { maxOutputTokens: 4_096, image: TILE_4O }],
  ['gpt-5-mini', { maxOutputTokens: 128_000, image: { patchMultiplier: 1.62 } }],
  ['gpt-5-nano', { maxOutputTokens: 128_000, image: { patchMultiplier: 2.46 } }],
  ['gpt-5', { maxOutputTokens: 128_000, image: { base: 70, tile: 140 } }],
  ['o1-mini', { maxOutputTokens: 65_536, image: { base: 75, tile: 150 } }],
  ['o1', { maxOutputTokens: 100_000, image: { base: 75, tile: 150 } }],
  ['o3-mini', { maxOutputTokens: 100_000, image: { base: 75, tile: 150 } }],
  ['o3', { maxOutputTokens: 100_000, image: { base: 75, tile: 150 } }],
  ['o4-mini', { maxOutputTokens: 100_000, image: { patchMultiplier: 1.72 } }],
];

/**
 * A model the table does not know (another provider behind an OpenAI-compatible URL): an assumption, not a
 * bound. 32k output tokens is above most providers' output limits; 6,000 tokens per image is above the
 * largest per-image cost of the tile models (gpt-4o-mini aside) and of the common non-OpenAI vision models.
 */
export const UNKNOWN_MODEL: ModelTokenLimits = { maxOutputTokens: 32_768, image: { base: 6_000, tile: 0 } };

export function modelTokenLimits(upstreamModel: string): ModelTokenLimits {
  const id = upstreamModel.toLowerCase();
  for (const [prefix, limits] of MODELS) if (id.startsWith(prefix)) return limits;
  return UNKNOWN_MODEL;
}

/** 2048 px square, then the short side to 768 px: at most 4 x 2 tiles of 512 px (768 x 2048). */
export const MAX_IMAGE_TILES = 8;
export const MAX_IMAGE_PATCHES = 1_536;

/** The most one image can cost when its size is not known (the gateway never fetches or decodes images). */
export function imageTokenBound(limits: ModelTokenLimits, detail: unknown): number {
  const { base = 0, tile = 0, patchMultiplier } = limits.image;
  if (patchMultiplier !== undefined) return Math.ceil(MAX_IMAGE_PATCHES * patchMultiplier);
  if (detail === 'low') return base;
  return base + tile * MAX_IMAGE_TILES;
}
