/** The vocabularies CRMs map their data to: regions (static) and the needs taxonomy (D1). */

import type { NeedTag } from "../../domain/vocabularies/needs";
import { REGION_ALIASES, REGIONS, type RegionEntry } from "../../domain/vocabularies/regions";
import type { Env } from "../../env";
import { listServicesWithCompany } from "../../storage/services";
import { controlDb } from "../../storage/shards";
import { listNeedTags, toNeedTag } from "../../storage/vocabularies";

export interface Vocabularies {
  regions: readonly RegionEntry[];
  regionAliases: Readonly<Record<string, string>>;
  needs: NeedTag[];
  /** Active services of active companies: what audience filters and profiles name by code. */
  services: Array<{ code: string; name: string; category: string; company: string }>;
}

/** Every region and every need tag; retired tags only when `includeRetired`. */
export async function listVocabularies(env: Env, options: { includeRetired?: boolean } = {}): Promise<Vocabularies> {
  const [rows, catalog] = await Promise.all([listNeedTags(controlDb(env)), listServicesWithCompany(controlDb(env))]);
  const needs = rows.map(toNeedTag).filter((tag) => options.includeRetired || tag.active);
  const services = catalog
    .filter((s) => s.active && s.companyStatus === "active")
    .map((s) => ({ code: s.code, name: s.name, category: s.category, company: s.companyName }));
  return { regions: REGIONS, regionAliases: REGION_ALIASES, needs, services };
}
