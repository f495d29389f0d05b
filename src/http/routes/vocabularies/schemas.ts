/** Response schemas of the vocabulary routes. */
import { z } from "zod";
import { AUDIENCE_AGE_BANDS, AUDIENCE_GENDERS } from "../../../domain/audiences/filter";
import type { NeedTag } from "../../../domain/vocabularies/needs";

export const regionVocabularyEntrySchema = z
  .object({
    code: z.string().meta({ description: "Canonical code (upper case)", example: "RU-KYA" }),
    kind: z.enum(["federal_subject", "country"]),
    label_ru: z.string(),
    label_en: z.string(),
  })
  .meta({ id: "RegionVocabularyEntry" });

export const needTagViewSchema = z
  .object({
    code: z.string().meta({ example: "home-internet" }),
    label_ru: z.string(),
    label_en: z.string(),
    group: z.string(),
    active: z.boolean().meta({ description: "false: retired, refused on new input, kept on stored clients" }),
  })
  .meta({ id: "NeedTag" });

export const vocabulariesSchema = z
  .object({
    regions: z.array(regionVocabularyEntrySchema),
    region_aliases: z
      .record(z.string(), z.string())
      .meta({ description: "Accepted short forms → canonical code", example: { msk: "RU-MOW" } }),
    needs: z.array(needTagViewSchema),
    age_bands: z
      .array(z.enum(AUDIENCE_AGE_BANDS))
      .describe("Age bands of partner audience filters (`POST /v1/partner/audiences:count`)"),
    genders: z.array(z.enum(AUDIENCE_GENDERS)).describe("Genders of partner audience filters"),
    services: z
      .array(
        z.object({
          code: z.string(),
          name: z.string(),
          category: z.string(),
          company: z.string().describe("Name of the company selling it"),
        }),
      )
      .describe("Active services, by code: the `services` of partner audience filters and CRM profiles"),
  })
  .meta({ id: "Vocabularies" });

export function needTagView(tag: NeedTag): z.infer<typeof needTagViewSchema> {
  return { code: tag.code, label_ru: tag.labelRu, label_en: tag.labelEn, group: tag.group, active: tag.active };
}
