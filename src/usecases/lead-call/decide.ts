/**
 * The lead call's decisions for one rated client, from the loaded context: thresholds, duplicates
 * (open leads and the exclusivity window), experiment holdouts and competition between companies.
 */
import { type RatedService, selectLeads } from "../../domain/lead-selection";
import { OPEN_LEAD_STATUSES } from "../../domain/lead-status";
import type { CategoryRoutingPolicy, CompanyCategoryStats, CompanyRoutingState } from "../../domain/routing";
import type { StoredCell } from "../../storage/clients";
import type { LeadContext } from "../../storage/lead-context";

export function decideLeads(
  context: LeadContext,
  clientId: string,
  rated: readonly RatedService[],
  sourceCompanyId: string,
  cells: readonly StoredCell[],
  now: number,
) {
  const { settings } = context;
  const duplicateServices = new Set<string>();
  const openLeads: { category: string; companyId: string; createdAt: number }[] = [];
  for (const lead of context.recentLeads) {
    const open = (OPEN_LEAD_STATUSES as readonly string[]).includes(lead.status);
    if (open) openLeads.push({ category: lead.category, companyId: lead.companyId, createdAt: lead.createdAt });
    if (open || now - lead.createdAt < settings.exclusivityWindowMs(lead.serviceId).value) {
      duplicateServices.add(lead.serviceId);
    }
  }
  const usedCategories = new Set<string>();
  const declines: { category: string; at: number }[] = [];
  for (const cell of cells) {
    const service = context.serviceById.get(cell.serviceId);
    if (!service) continue;
    if (cell.value === 1) usedCategories.add(service.category);
    else declines.push({ category: service.category, at: cell.at });
  }
  const companies: Record<string, CompanyRoutingState> = {};
  for (const company of context.companies.values()) {
    companies[company.id] = {
      name: company.name,
      status: company.status,
      dailyLeadCap: company.dailyLeadCap,
      leadsToday: company.leadsToday,
      quality: company.quality ?? null,
    };
  }
  const policies: Record<string, CategoryRoutingPolicy> = {};
  for (const service of rated) policies[service.category] ??= settings.routing(service.category).value;
  return selectLeads({
    rated,
    clientId,
    threshold: (serviceId) => settings.minRating(serviceId).value,
    experiments: context.experiments,
    duplicateServices,
    companies,
    policies,
    stats: routingStats(context),
    client: { usedCategories: [...usedCategories], declines, openLeads },
    maxLeads: settings.maxLeadsPerRequest(sourceCompanyId).value,
    now,
    exclusivityWindowMs: settings.global.exclusivityWindowMs.value,
    declineCooldownMs: settings.global.declineCooldownMs.value,
    random: Math.random,
  });
}

export type LeadCallDecision = ReturnType<typeof decideLeads>;

/** Routing statistics per category and company: today's routed leads and the measured acceptance. */
function routingStats(context: LeadContext): Record<string, Record<string, CompanyCategoryStats>> {
  const out: Record<string, Record<string, CompanyCategoryStats>> = {};
  const categories = new Set([...context.routedToday.keys(), ...Object.keys(context.performance)]);
  for (const category of categories) {
    const perCompany: Record<string, CompanyCategoryStats> = {};
    const routed = context.routedToday.get(category);
    const performance = context.performance[category] ?? {};
    const companyIds = new Set([...(routed?.keys() ?? []), ...Object.keys(performance)]);
    for (const companyId of companyIds) {
      perCompany[companyId] = {
        routed: routed?.get(companyId) ?? 0,
        accepted: performance[companyId]?.accepted ?? 0,
        declined: performance[companyId]?.declined ?? 0,
      };
    }
    out[category] = perCompany;
  }
  return out;
}
