import {
  type CountryCode,
  isSupportedCountry,
  Metadata,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/max/metadata';

/**
 * Phone validation against Google's libphonenumber metadata (libphonenumber-js, "max" metadata: per-type
 * number patterns, so "valid" means an allocated range, not just a plausible length).
 */

/** Regions whose national formats ("0532 123 45 67", "09171234567") are recognised without a '+'. */
export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'TR',
  'PH',
  'IL',
  'CN',
  'IN',
  'AU',
  'BR',
  'NL',
  'JP',
];

/** The metadata's plan accessors (typed loosely by the library). */
const plans = new Metadata(metadata) as unknown as {
  selectNumberingPlan(region: CountryCode): void;
  numberingPlan?: { nationalPrefix(): string | undefined };
};

/** Whether the region's national (trunk) prefix is '0', per the metadata. */
function trunkZero(region: CountryCode): boolean {
  if (!isSupportedCountry(region, metadata)) return false;
  plans.selectNumberingPlan(region);
  return plans.numberingPlan?.nationalPrefix() === '0';
}

let regions: readonly CountryCode[] = DEFAULT_PHONE_REGIONS;
let trunkZeroRegions: ReadonlySet<CountryCode> = new Set(regions.filter(trunkZero));
const cache = new Map<string, boolean>();
const CACHE_MAX = 512;

/** Sets the regions tried for numbers written without a country code (process-wide; clears the cache). */
export function setPhoneRegions(next: readonly string[]): void {
  regions = next.map((r) => r.toUpperCase() as CountryCode).filter((r) => isSupportedCountry(r, metadata));
  trunkZeroRegions = new Set(regions.filter(trunkZero));
  cache.clear();
}

export function phoneRegions(): readonly CountryCode[] {
  return regions;
}

function remember(key: string, value: boolean): boolean {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/** A '+' number (or "00" + country code) allocated in its country's plan. */
export function validInternational(digits: string): boolean {
  const key = `+${digits}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const parsed = parsePhoneNumberFromString(key, metadata);
  return remember(key, parsed !== undefined && parsed.isValid());
}

/**
 * A national number valid in one of the configured regions. Regions with a trunk prefix ('0') only take
 * numbers written with it (how people write them at home), except Chinese mobiles (1[3-9] + 9 digits).
 */
export function validNational(digits: string): boolean {
  const hit = cache.get(digits);
  if (hit !== undefined) return hit;
  const trunk = digits.charCodeAt(0) === 48;
  const cnMobile = digits.length === 11 && /^1[3-9]/.test(digits);
  for (const region of regions) {
    const usesTrunkZero = trunkZeroRegions.has(region);
    if (usesTrunkZero && !trunk && !(region === 'CN' && cnMobile)) continue;
    if (!usesTrunkZero && trunk) continue;
    const parsed = parsePhoneNumberFromString(digits, { defaultCountry: region }, metadata);
    if (parsed !== undefined && parsed.isValid()) return remember(digits, true);
  }
  return remember(digits, false);
}
