/** The vocabularies CRMs map their data to: regions (static) and the needs taxonomy (D1). */

import type { NeedTag } from "../../domain/vocabularies/needs";
import { REGION_ALIASES, REGIONS, type RegionEntry } from "../../domain/vocabularies/regions";
import type { Env } from "../../env";
import { controlDb } from "../../storage/shards";
import { listNeedTags, toNeedTag } from "../../storage/vocabularies";

export interface Vocabularies {
  regions: readonly RegionEntry[];
  regionAliases: Readonly<Record<string, string>>;
  needs: NeedTag[];
}

/** Every region and every need tag; retired tags only when `includeRetired`. */
export async function listVocabularies(env: Env, options: { includeRetired?: boolean } = {}): Promise<Vocabularies> {
  const rows = await listNeedTags(controlDb(env));
  const needs = rows.map(toNeedTag).filter((tag) => options.includeRetired || tag.active);
  return { regions: REGIONS, regionAliases: REGION_ALIASES, needs };
}
