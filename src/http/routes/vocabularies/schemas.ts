/** Response schemas of the vocabulary routes. */
import { z } from "zod";
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
  })
  .meta({ id: "Vocabularies" });

export function needTagView(tag: NeedTag): z.infer<typeof needTagViewSchema> {
  return { code: tag.code, label_ru: tag.labelRu, label_en: tag.labelEn, group: tag.group, active: tag.active };
}
