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

/** Region codes the metadata knows (upper-cased); unknown codes are dropped. */
export function supportedPhoneRegions(codes: readonly string[]): CountryCode[] {
  return codes.map((r) => r.toUpperCase() as CountryCode).filter((r) => isSupportedCountry(r, metadata));
}

export function isSupportedPhoneRegion(code: string): boolean {
  return isSupportedCountry(code as CountryCode, metadata);
}

const CACHE_MAX = 512;
const internationalCache = new Map<string, boolean>();

function remember(cache: Map<string, boolean>, key: string, value: boolean): boolean {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * The regions tried for numbers written without a country code, with their trunk-prefix facts and a
 * small cache of verdicts. One per region list: the process default (setPhoneRegions) and one per policy
 * that sets its own `phoneRegions` (see phoneNumberingFor).
 */
export class PhoneNumbering {
  readonly regions: readonly CountryCode[];
  private readonly trunkZeroRegions: ReadonlySet<CountryCode>;
  private readonly cache = new Map<string, boolean>();

  constructor(codes: readonly string[]) {
    this.regions = supportedPhoneRegions(codes);
    this.trunkZeroRegions = new Set(this.regions.filter(trunkZero));
  }

  /**
   * A national number valid in one of the regions. Regions with a trunk prefix ('0') only take numbers
   * written with it (how people write them at home), except Chinese mobiles (1[3-9] + 9 digits).
   */
  validNational(digits: string): boolean {
    const hit = this.cache.get(digits);
    if (hit !== undefined) return hit;
    const trunk = digits.charCodeAt(0) === 48;
    const cnMobile = digits.length === 11 && /^1[3-9]/.test(digits);
    for (const region of this.regions) {
      const usesTrunkZero = this.trunkZeroRegions.has(region);
      if (usesTrunkZero && !trunk && !(region === 'CN' && cnMobile)) continue;
      if (!usesTrunkZero && trunk) continue;
      const parsed = parsePhoneNumberFromString(digits, { defaultCountry: region }, metadata);
      if (parsed !== undefined && parsed.isValid()) return remember(this.cache, digits, true);
    }
    return remember(this.cache, digits, false);
  }
}

/** The process-wide default, used by policies that do not set `phoneRegions`. */
export const defaultPhoneNumbering: { current: PhoneNumbering } = {
  current: new PhoneNumbering(DEFAULT_PHONE_REGIONS),
};

/**
 * Sets the default regions for policies without their own `phoneRegions` (process-wide; takes effect for
 * every policy that uses the default, compiled before or after).
 */
export function setPhoneRegions(next: readonly string[]): void {
  defaultPhoneNumbering.current = new PhoneNumbering(next);
}

export function phoneRegions(): readonly CountryCode[] {
  return defaultPhoneNumbering.current.regions;
}

/** A '+' number (or "00" + country code) allocated in its country's plan. */
export function validInternational(digits: string): boolean {
  const key = `+${digits}`;
  const hit = internationalCache.get(key);
  if (hit !== undefined) return hit;
  const parsed = parsePhoneNumberFromString(key, metadata);
  return remember(internationalCache, key, parsed !== undefined && parsed.isValid());
}
