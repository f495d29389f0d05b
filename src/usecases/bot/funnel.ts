/** Admin: the aggregate bot funnel of one entry company (counts only, no person). */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { getFunnel, listOfferLeadIds } from "../../storage/bot";
import { getCompany } from "../../storage/companies";
import { acceptedLeadIds } from "../../storage/leads";
import { controlDb, groupIdsByShard } from "../../storage/shards";

export const FUNNEL_STAGES = [
  "entered",
  "consented",
  "surveyed",
  "offered",
  "interested",
  "deals",
  "withdrawn",
] as const;

export async function botFunnel(env: Env, companyId: string) {
  const db = controlDb(env);
  if (!(await getCompany(db, companyId))) throw new DomainError("not_found", `Company ${companyId} not found`);
  const [stages, leadIds] = await Promise.all([getFunnel(db, companyId), listOfferLeadIds(db, companyId)]);
  // "deals": the bot's leads that ended accepted, counted in the shards that hold them.
  const accepted = await Promise.all(
    [...groupIdsByShard(env, leadIds)].map(([shard, ids]) => acceptedLeadIds(shard.db, ids)),
  );
  const counts: Partial<Record<string, number>> = {
    ...stages,
    deals: accepted.reduce((sum, ids) => sum + ids.size, 0),
  };
  return {
    company_id: companyId,
    stages: Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, counts[stage] ?? 0])) as Record<
      (typeof FUNNEL_STAGES)[number],
      number
    >,
  };
}
