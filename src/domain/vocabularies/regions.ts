/**
 * The closed vocabulary of a client's `region`: ISO 3166-2:RU federal subjects for clients in
 * Russia, ISO 3166-1 alpha-2 country codes for clients abroad. Codes are accepted in any letter
 * case and stored canonical (upper case); the demo bank's short forms stay accepted as aliases.
 * Anything else is refused, so no free text (and no personal data) can travel in `region`.
 */
import { COUNTRY_REGIONS } from "./regions-abroad";
import { type RegionEntry, RUSSIAN_FEDERAL_SUBJECTS } from "./regions-ru";

export type { RegionEntry } from "./regions-ru";

/** Every region code, Russian subjects first. */
export const REGIONS: readonly RegionEntry[] = [...RUSSIAN_FEDERAL_SUBJECTS, ...COUNTRY_REGIONS];

/**
 * Short forms used by the demo bank and by CRMs integrated before the vocabulary existed, mapped
 * to the canonical code (the cities stand for their federal subject).
 */
export const REGION_ALIASES: Readonly<Record<string, string>> = {
  msk: "RU-MOW",
  spb: "RU-SPE",
  ekaterinburg: "RU-SVE",
  novosibirsk: "RU-NVS",
  krasnoyarsk: "RU-KYA",
  kazan: "RU-TA",
  tyumen: "RU-TYU",
  krasnodar: "RU-KDA",
};

const BY_CODE = new Map(REGIONS.map((region) => [region.code, region]));

/** Longest input worth looking up (the longest code or alias); longer strings are refused unread. */
export const REGION_INPUT_MAX_LENGTH = 32;

/**
 * The canonical code of a region as a client sent it ("ru-kya", "RU-KYA", "krasnoyarsk" → "RU-KYA";
 * "de" → "DE"), or null when it is not in the vocabulary.
 */
export function canonicalRegion(input: string): string | null {
  if (typeof input !== "string" || input.length === 0 || input.length > REGION_INPUT_MAX_LENGTH) return null;
  // Own keys only: "__proto__" or "constructor" must not find Object.prototype's members.
  const lower = input.toLowerCase();
  if (Object.hasOwn(REGION_ALIASES, lower)) return REGION_ALIASES[lower];
  const upper = input.toUpperCase();
  return BY_CODE.has(upper) ? upper : null;
}

/** The vocabulary entry of a canonical code, or undefined. */
export function regionEntry(code: string): RegionEntry | undefined {
  return BY_CODE.get(code);
}
