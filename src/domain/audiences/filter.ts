/**
 * Partner audiences are described by fixed buckets only (docs/privacy.md, "Partner audiences"):
 * age bands, genders, regions, needs tags and services used. Within a dimension the values are
 * alternatives (any of them), across dimensions they all hold. A filter has one canonical form, so
 * that the same audience asked twice is recognised as the same query (noise, differencing guard).
 *
 * Pure: the request shape, the canonical form and what each bucket means; the closed vocabularies
 * themselves (regions, needs, services) are checked by the use case against the stored ones.
 */
import { z } from "zod";
import { SURVEY_AGE_BANDS, type SurveyAgeBand } from "../bot/survey";
import { canonicalJson } from "../canonical-json";

export const AUDIENCE_AGE_BANDS = SURVEY_AGE_BANDS;
export type AudienceAgeBand = SurveyAgeBand;
export const AUDIENCE_GENDERS = ["female", "male"] as const;
export type AudienceGender = (typeof AUDIENCE_GENDERS)[number];

/** Most values one dimension may list: a filter stays a handful of buckets, not a list of people. */
export const MAX_VALUES_PER_DIMENSION = 20;

/** Inclusive age range of each band ("65+" is open above). */
export const AGE_BAND_RANGES: Record<AudienceAgeBand, readonly [number, number]> = {
  "18-24": [18, 24],
  "25-34": [25, 34],
  "35-44": [35, 44],
  "45-54": [45, 54],
  "55-64": [55, 64],
  "65+": [65, 200],
};

const code = z.string().min(1).max(64);

export const audienceFilterSchema = z
  .strictObject({
    age_bands: z
      .array(z.enum(AUDIENCE_AGE_BANDS))
      .max(MAX_VALUES_PER_DIMENSION)
      .optional()
      .describe("Any of these age bands"),
    genders: z.array(z.enum(AUDIENCE_GENDERS)).max(MAX_VALUES_PER_DIMENSION).optional().describe("Any of these"),
    regions: z
      .array(code)
      .max(MAX_VALUES_PER_DIMENSION)
      .optional()
      .describe("Any of these region codes (GET /v1/vocabularies `regions`)"),
    needs: z
      .array(code)
      .max(MAX_VALUES_PER_DIMENSION)
      .optional()
      .describe("Clients with any of these needs tags (GET /v1/vocabularies `needs`)"),
    services: z
      .array(code)
      .max(MAX_VALUES_PER_DIMENSION)
      .optional()
      .describe("Clients using any of these services, by code (GET /v1/vocabularies `services`)"),
  })
  .meta({ id: "AudienceFilter" });

export type AudienceFilterInput = z.infer<typeof audienceFilterSchema>;

/** A filter in canonical form: every list sorted and without duplicates, empty dimensions dropped. */
export interface AudienceFilter {
  age_bands?: AudienceAgeBand[];
  genders?: AudienceGender[];
  regions?: string[];
  needs?: string[];
  services?: string[];
}

const sortedUnique = <T extends string>(values: readonly T[] | undefined): T[] | undefined => {
  if (!values || values.length === 0) return undefined;
  return [...new Set(values)].sort();
};

/** The canonical form of a filter whose values are already canonical codes (regions mapped, services by code). */
export function canonicalAudienceFilter(input: AudienceFilterInput): AudienceFilter {
  const out: AudienceFilter = {};
  const ageBands = sortedUnique(input.age_bands);
  if (ageBands) out.age_bands = ageBands;
  const genders = sortedUnique(input.genders);
  if (genders) out.genders = genders;
  const regions = sortedUnique(input.regions);
  if (regions) out.regions = regions;
  const needs = sortedUnique(input.needs);
  if (needs) out.needs = needs;
  const services = sortedUnique(input.services);
  if (services) out.services = services;
  return out;
}

/** The text a filter is stored and keyed by: canonical JSON of its canonical form. */
export function audienceFilterKey(filter: AudienceFilter): string {
  return canonicalJson(filter);
}

/** Reads a stored filter key back (the key is written only by {@link audienceFilterKey}). */
export function parseAudienceFilterKey(key: string): AudienceFilter {
  return canonicalAudienceFilter(audienceFilterSchema.parse(JSON.parse(key)));
}

/** The age ranges a filter's bands cover, for the storage layer's query. */
export function ageRangesOf(filter: AudienceFilter): Array<readonly [number, number]> {
  return (filter.age_bands ?? []).map((band) => AGE_BAND_RANGES[band]);
}
