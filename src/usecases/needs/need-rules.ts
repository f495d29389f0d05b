/**
 * The need boost's rules as the scorer reads them (src/domain/needs/need-boost.ts): the need →
 * service link proposals that are not rejected, indexed once and kept per isolate for the control
 * cache's life (CONTROL_CACHE_TTL_MS), like the rest of the lead call's control data.
 */
import type { ClientNeed } from "../../domain/needs/client-needs";
import { effectiveNeeds } from "../../domain/needs/client-needs";
import {
  indexNeedRules,
  type NeedBoost,
  type NeedRuleIndex,
  needBoostFor,
  ruleStrength,
} from "../../domain/needs/need-boost";
import type { Env } from "../../env";
import { usableNeedRules } from "../../storage/link-proposals";
import { controlDb } from "../../storage/shards";
import { controlCacheTtlMs } from "../lead-call/control-cache";

let cache: { db: unknown; at: number; index: NeedRuleIndex } | null = null;

/** The indexed need rules (from this isolate's copy when fresh). */
export async function needRuleIndex(
  env: Pick<Env, "DB" | "CONTROL_CACHE_TTL_MS">,
  now: number,
): Promise<NeedRuleIndex> {
  const db = controlDb(env);
  const ttl = controlCacheTtlMs(env);
  if (ttl > 0 && cache && cache.db === env.DB && now >= cache.at && now - cache.at < ttl) return cache.index;
  const rows = await usableNeedRules(db);
  const index = indexNeedRules(
    rows.map((row) => ({
      need: row.need,
      service: row.modelIndex,
      strength: ruleStrength(row.liftLower, row.status === "approved" ? row.weight : null),
    })),
  );
  if (ttl > 0) cache = { db: env.DB, at: now, index };
  return index;
}

/** Drops this isolate's copy (a decision on a proposal went through this isolate). */
export function forgetNeedRules(): void {
  cache = null;
}

/** A client's boost under the rules: its effective (active, strongest-source) needs; null when none applies. */
export function clientNeedBoost(
  index: NeedRuleIndex,
  needs: readonly ClientNeed[],
  nServices: number,
  now: number,
): NeedBoost | null {
  if (needs.length === 0 || index.size === 0) return null;
  return needBoostFor(index, effectiveNeeds(needs, now), nServices);
}
