/**
 * A partner's campaigns: create (text through the offer-text rules, audience refused when
 * suppressed), list, get, pause and resume. A partner only ever sees its own campaigns, and their
 * results only as aggregates: reached, interested, deals.
 */
import { campaignProblems } from "../../domain/audiences/campaign";
import {
  type AudienceFilter,
  type AudienceFilterInput,
  audienceFilterKey,
  parseAudienceFilterKey,
} from "../../domain/audiences/filter";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import { insertAudienceQuery } from "../../storage/audiences";
import {
  acceptedDealLeadIds,
  type CampaignRow,
  campaignOfferTotals,
  getCompanyCampaign,
  getOwnActiveService,
  insertCampaign,
  listCompanyCampaigns,
  setCampaignStatus,
} from "../../storage/campaigns";
import { listServiceRefs } from "../../storage/services";
import { loadEffectiveSettings } from "../../storage/settings";
import { controlDb, groupIdsByShard } from "../../storage/shards";
import { assertAudienceBudget, countAcrossShards, reachableIdsByShard } from "../audiences/count";
import { resolveAudience } from "../audiences/resolve";

export interface NewCampaignInput {
  title: string;
  service: string;
  text: string;
  audience: AudienceFilterInput;
  channel: "bot";
  startsAt: number;
  endsAt: number;
  dailyCap: number;
}

export interface CampaignView {
  id: string;
  title: string;
  service: string;
  text: string;
  audience: AudienceFilter;
  channel: "bot";
  starts_at: string;
  ends_at: string;
  daily_cap: number;
  status: CampaignRow["status"];
  created_at: string;
  updated_at: string;
  results: { reached: number; interested: number; deals: number };
}

/**
 * @throws validation_failed (text, schedule), unprocessable (service or audience values),
 *   audience_budget_exhausted, audience_suppressed (fewer than k clients match).
 */
export async function createCampaign(
  env: Env,
  companyId: string,
  input: NewCampaignInput,
  now: number,
): Promise<CampaignView> {
  const problems = campaignProblems(input, now);
  if (problems.length > 0) throw DomainError.many("validation_failed", problems);
  const control = controlDb(env);
  const service = await getOwnActiveService(control, companyId, input.service);
  if (!service) {
    throw new DomainError("unprocessable", "service must be the code of one of your own active services", [
      "body",
      "service",
    ]);
  }
  const resolved = await resolveAudience(control, input.audience, ["body", "audience"]);
  const settings = await loadEffectiveSettings(control);
  await assertAudienceBudget(env, companyId, settings.audienceDailyQueries(companyId).value, now);
  const counts = await countAcrossShards(env, resolved.criteria, await reachableIdsByShard(env));
  const filterKey = audienceFilterKey(resolved.filter);
  // The check shows only whether the audience is suppressed, but it is a query: it spends the budget.
  await insertAudienceQuery(control, {
    companyId,
    filter: filterKey,
    trueCount: counts.matching,
    trueReachable: counts.reachable,
    outcome: "campaign_check",
    createdAt: now,
  });
  const k = settings.audienceMinGroup.value;
  if (counts.matching < k) {
    throw new DomainError(
      "audience_suppressed",
      `Fewer than ${k} clients match this audience: a campaign needs an audience that could be counted`,
      ["body", "audience"],
    );
  }
  const row: CampaignRow = {
    id: newId("cmp"),
    companyId,
    serviceId: service.id,
    title: input.title.trim(),
    text: input.text.trim(),
    audience: filterKey,
    channel: input.channel,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    dailyCap: input.dailyCap,
    status: "active",
    createdAt: now,
    updatedAt: now,
  };
  await insertCampaign(control, row);
  return (await views(env, [row]))[0];
}

export async function listCampaigns(env: Env, companyId: string): Promise<CampaignView[]> {
  return views(env, await listCompanyCampaigns(controlDb(env), companyId));
}

/** @throws not_found for an unknown campaign or another company's. */
export async function getCampaign(env: Env, companyId: string, id: string): Promise<CampaignView> {
  return (await views(env, [await ownCampaign(env, companyId, id)]))[0];
}

/**
 * Pauses or resumes the campaign. A pause takes effect at once: the sender reads the status before
 * every message. Setting the status it already has changes nothing.
 */
export async function setCampaignActive(
  env: Env,
  companyId: string,
  id: string,
  active: boolean,
  now: number,
): Promise<CampaignView> {
  const campaign = await ownCampaign(env, companyId, id);
  const status = active ? "active" : "paused";
  if (campaign.status !== status) await setCampaignStatus(controlDb(env), id, status, now);
  return getCampaign(env, companyId, id);
}

async function ownCampaign(env: Env, companyId: string, id: string): Promise<CampaignRow> {
  const campaign = await getCompanyCampaign(controlDb(env), companyId, id);
  if (!campaign) throw new DomainError("not_found", `Campaign ${id} not found`, ["params", "id"]);
  return campaign;
}

/** The campaigns as partners see them, with aggregate results (deals counted across the shards). */
async function views(env: Env, rows: readonly CampaignRow[]): Promise<CampaignView[]> {
  const control = controlDb(env);
  const [totals, serviceRefs] = await Promise.all([
    campaignOfferTotals(
      control,
      rows.map((r) => r.id),
    ),
    listServiceRefs(control),
  ]);
  const codeOf = new Map(serviceRefs.map((s) => [s.id, s.code]));
  const allLeads = [...totals.values()].flatMap((t) => t.leadIds);
  const accepted = new Set(
    (
      await Promise.all(
        [...groupIdsByShard(env, allLeads)].map(([shard, leadIds]) => acceptedDealLeadIds(shard.db, leadIds)),
      )
    ).flat(),
  );
  return rows.map((row) => {
    const total = totals.get(row.id) ?? { reached: 0, interested: 0, leadIds: [] };
    return {
      id: row.id,
      title: row.title,
      service: codeOf.get(row.serviceId) ?? row.serviceId,
      text: row.text,
      audience: parseAudienceFilterKey(row.audience),
      channel: row.channel,
      starts_at: new Date(row.startsAt).toISOString(),
      ends_at: new Date(row.endsAt).toISOString(),
      daily_cap: row.dailyCap,
      status: row.status,
      created_at: new Date(row.createdAt).toISOString(),
      updated_at: new Date(row.updatedAt).toISOString(),
      results: {
        reached: total.reached,
        interested: total.interested,
        deals: total.leadIds.filter((leadId) => accepted.has(leadId)).length,
      },
    };
  });
}
