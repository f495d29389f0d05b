/** Admin: the aggregate bot funnel of one entry company (counts only, no person). */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { getFunnel } from "../../storage/bot";
import { getCompany } from "../../storage/companies";
import { controlDb } from "../../storage/shards";

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
  const counts = await getFunnel(db, companyId);
  return {
    company_id: companyId,
    stages: Object.fromEntries(FUNNEL_STAGES.map((stage) => [stage, counts[stage] ?? 0])) as Record<
      (typeof FUNNEL_STAGES)[number],
      number
    >,
  };
}
