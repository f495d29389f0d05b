/**
 * What the platform learns from holdings and needs, over all shards (docs/recommender.md "Link
 * proposals"): each shard counts (no client ids leave it), the counts merge by addition, the rules
 * are mined (src/domain/needs/association-rules.ts) and stored as link proposals, and the service →
 * need rules write `inferred` needs back on every shard. Run by the daily housekeeping cron and on
 * demand (`POST /v1/admin/link-proposals:compute`).
 */

import {
  type AssociationRule,
  addCounts,
  type MergedAssociationCounts,
  mineAssociationRules,
  needInferenceRules,
} from "../../domain/needs/association-rules";
import { INFERRED_NEED_TTL_MS } from "../../domain/needs/client-needs";
import type { Env } from "../../env";
import { associationCounts, deleteExpiredNeeds, inferNeedFromHolding } from "../../storage/client-needs";
import { listCrossServiceLinks } from "../../storage/cross-services";
import { storeComputedRules } from "../../storage/link-proposals";
import { listServiceRefs } from "../../storage/services";
import { clientShards, controlDb, type DatabaseBindings } from "../../storage/shards";
import { forgetNeedRules } from "./need-rules";

export interface NeedKnowledgeResult {
  clients: number;
  /** Rules meeting the thresholds (proposed, or already decided and kept as decided). */
  rules: number;
  /** Inferred-need rows written or renewed over all shards. */
  inferredNeeds: number;
  /** Expired need rows deleted over all shards. */
  expiredNeeds: number;
}

/** Every shard's counts, merged, with services named by code (services no longer in the catalogue are left out). */
export async function mergedAssociationCounts(env: DatabaseBindings, now: number): Promise<MergedAssociationCounts> {
  const [refs, perShard] = await Promise.all([
    listServiceRefs(controlDb(env)),
    Promise.all(clientShards(env).map((shard) => associationCounts(shard.db, now))),
  ]);
  const codeOf = new Map(refs.map((ref) => [ref.id, ref.code]));
  const merged = {
    clients: 0,
    serviceClients: new Map<string, number>(),
    needClients: new Map<string, number>(),
    servicePairs: new Map<string, number>(),
    needServicePairs: new Map<string, number>(),
  };
  const rekey = (map: ReadonlyMap<string, number>, first: "service" | "need") => {
    const out = new Map<string, number>();
    for (const [key, n] of map) {
      const [a, b] = key.split("\u0000");
      const left = first === "service" ? codeOf.get(a) : a;
      const right = b === undefined ? undefined : codeOf.get(b);
      if (left === undefined || (b !== undefined && right === undefined)) continue;
      out.set(b === undefined ? left : `${left}\u0000${right}`, n);
    }
    return out;
  };
  for (const shard of perShard) {
    addCounts(merged, {
      clients: shard.clients,
      serviceClients: rekey(shard.serviceClients, "service"),
      needClients: shard.needClients,
      servicePairs: rekey(shard.servicePairs, "service"),
      needServicePairs: rekey(shard.needServicePairs, "need"),
    });
  }
  return merged;
}

/** The rules of the current data; service pairs already in the cross-service matrix are not proposed. */
export async function currentAssociationRules(
  env: DatabaseBindings,
  now: number,
): Promise<{
  counts: MergedAssociationCounts;
  rules: AssociationRule[];
}> {
  const [counts, links] = await Promise.all([mergedAssociationCounts(env, now), listCrossServiceLinks(controlDb(env))]);
  const linked = new Set(links.map((link) => `${link.from}\u0000${link.to}`));
  return { counts, rules: mineAssociationRules(counts, linked) };
}

/** Recomputes the proposals and the inferred needs (see the module comment). */
export async function refreshNeedKnowledge(
  env: Env | DatabaseBindings,
  now = Date.now(),
): Promise<NeedKnowledgeResult> {
  const shards = clientShards(env);
  const expired = await Promise.all(shards.map((shard) => deleteExpiredNeeds(shard.db, now)));
  const { counts, rules } = await currentAssociationRules(env, now);
  await storeComputedRules(controlDb(env), rules, now);
  forgetNeedRules();

  const inferences = needInferenceRules(counts);
  const idOf = new Map((await listServiceRefs(controlDb(env))).map((ref) => [ref.code, ref.id]));
  const written = await Promise.all(
    shards.map(async (shard) => {
      let n = 0;
      for (const rule of inferences) {
        const serviceId = idOf.get(rule.service);
        if (serviceId === undefined) continue;
        n += await inferNeedFromHolding(
          shard.db,
          { serviceId, needCode: rule.need, confidence: rule.confidence },
          now,
          now + INFERRED_NEED_TTL_MS,
        );
      }
      return n;
    }),
  );
  return {
    clients: counts.clients,
    rules: rules.length,
    inferredNeeds: written.reduce((sum, n) => sum + n, 0),
    expiredNeeds: expired.reduce((sum, n) => sum + n, 0),
  };
}
