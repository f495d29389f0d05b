/**
 * What a model is trained from besides the statistics: the catalog in model-index order, the
 * admin's cross-service links, and the deal samples the blend is fitted on.
 */
import { asc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import {
  type CatalogEntry,
  type DealSample,
  PART_NAMES,
  type PartScores,
  type ServiceLink,
} from "../domain/recommender";
import type { Db } from "./db";
import { crossServiceLinks, services } from "./schema";

/**
 * The catalog in model-index order, one entry per index 0..max. Indices are dense by construction
 * (assigned as max + 1, never reused); a missing index would get an empty placeholder entry, which
 * the serving path never recommends because no service row stands behind it.
 */
export async function readTrainingCatalog(db: Db): Promise<CatalogEntry[]> {
  const rows = await db
    .select({ modelIndex: services.modelIndex, code: services.code, name: services.name, category: services.category })
    .from(services)
    .orderBy(asc(services.modelIndex));
  const n = rows.length === 0 ? 0 : rows[rows.length - 1].modelIndex + 1;
  const catalog: CatalogEntry[] = Array.from({ length: n }, () => ({ code: "", name: "", category: "" }));
  for (const row of rows) catalog[row.modelIndex] = { code: row.code, name: row.name, category: row.category };
  return catalog;
}

/** The admin's cross-service links by model index (self-links, which the model refuses, are skipped). */
export async function readTrainingLinks(db: Db): Promise<ServiceLink[]> {
  const from = alias(services, "link_from");
  const to = alias(services, "link_to");
  const rows = await db
    .select({ from: from.modelIndex, to: to.modelIndex, weight: crossServiceLinks.weight })
    .from(crossServiceLinks)
    .innerJoin(from, eq(from.id, crossServiceLinks.fromServiceId))
    .innerJoin(to, eq(to.id, crossServiceLinks.toServiceId))
    .orderBy(asc(from.modelIndex), asc(to.modelIndex));
  return rows.filter((row) => row.from !== row.to && row.weight > 0 && row.weight <= 1);
}

/**
 * The `limit` most recent deals of all shards, each joined with the part scores of the last scoring of
 * the same (client, service) at or before the deal (`scored_candidates.part_*`, recorded by the lead
 * call): the samples of `fitBlend`. Deals without recorded part scores are left out.
 */
export async function readDealSamples(shards: readonly Db[], limit: number): Promise<DealSample[]> {
  const perShard = await Promise.all(shards.map((db) => readShardDealSamples(db, limit)));
  return perShard
    .flat()
    .sort((a, b) => b.occurredAt - a.occurredAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit)
    .map(({ accepted, parts }) => ({ accepted, parts }));
}

async function readShardDealSamples(
  db: Db,
  limit: number,
): Promise<Array<DealSample & { occurredAt: number; id: string }>> {
  const columns = sql.raw(PART_NAMES.map((name) => `sc.part_${name} AS part_${name}`).join(", "));
  const complete = sql.raw(PART_NAMES.map((name) => `s2.part_${name} IS NOT NULL`).join(" AND "));
  const rows = await db.all<Record<string, unknown>>(sql`
    SELECT d.id AS id, d.occurred_at AS occurred_at, d.outcome AS outcome, ${columns}
      FROM deals d
      JOIN scored_candidates sc ON sc.id = (
           SELECT s2.id FROM scored_candidates s2
            WHERE s2.client_id = d.client_id AND s2.service_id = d.service_id AND s2.at <= d.occurred_at
              AND ${complete}
            ORDER BY s2.at DESC, s2.id DESC LIMIT 1)
     ORDER BY d.occurred_at DESC, d.id DESC
     LIMIT ${limit}`);
  return rows.map((row) => {
    const parts = {} as PartScores;
    for (const name of PART_NAMES) parts[name] = Number(row[`part_${name}`]);
    return { accepted: row.outcome === "accepted", parts, occurredAt: Number(row.occurred_at), id: String(row.id) };
  });
}
