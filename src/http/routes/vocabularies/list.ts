import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { AUDIENCE_AGE_BANDS, AUDIENCE_GENDERS } from "../../../domain/audiences/filter";
import type { AppEnv } from "../../../env";
import { listVocabularies } from "../../../usecases/vocabularies/list";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { needTagView, vocabulariesSchema } from "./schemas";

export class ListVocabulariesRoute extends OpenAPIRoute {
  override schema = {
    operationId: "listVocabularies",
    tags: ["Vocabularies"],
    summary: "Regions and needs tags a client profile may use",
    description:
      "The closed vocabularies of the client profile, with Russian and English labels, so that a CRM can map its " +
      "own values: `region` is an ISO 3166-2:RU federal subject or, for clients abroad, an ISO 3166-1 country " +
      "code (any letter case; the listed aliases are accepted too); `needs` are codes of the needs taxonomy " +
      "(active tags only); `age_bands`, `genders` and `services` are the buckets of partner audience filters. Any valid key.",
    responses: {
      "200": { description: "The vocabularies", content: { "application/json": { schema: vocabulariesSchema } } },
      ...errorResponses(),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin", "crm", "partner");
    const vocabularies = await listVocabularies(c.env);
    return c.json({
      regions: vocabularies.regions.map((region) => ({
        code: region.code,
        kind: region.code.startsWith("RU-") ? ("federal_subject" as const) : ("country" as const),
        label_ru: region.ru,
        label_en: region.en,
      })),
      region_aliases: vocabularies.regionAliases,
      needs: vocabularies.needs.map(needTagView),
      age_bands: [...AUDIENCE_AGE_BANDS],
      genders: [...AUDIENCE_GENDERS],
      services: vocabularies.services,
    });
  }
}
