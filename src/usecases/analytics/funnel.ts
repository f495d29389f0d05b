/**
 * The conversion funnel use case: candidates scored in a window (the daily rollups of every shard: the
 * days the window touches, every rated service) and the leads created in it, followed to their state
 * now (a cohort), in total, by receiving company and by service.
 */
import { type CandidateDecision, LEAD_DECISIONS } from "../../domain/lead-selection";
import type { Env } from "../../env";
import { type CandidateCountRow, type LeadStageRow, loadFunnelLeadStages } from "../../storage/analytics";
import { clientShards, controlDb } from "../../storage/shards";
import { candidateCounts, rollupsAcrossShards } from "./candidate-rollups";
import { type ReportFilters, type ReportQuery, resolveReportFilter, type TimeWindow } from "./report-filter";

/** One group's funnel, named as the API shows it (like the domain's reports). */
export interface FunnelStages {
  candidates: number;
  candidates_by_decision: Record<CandidateDecision, number>;
  leads: number;
  delivered: number;
  acknowledged: number;
  accepted: number;
  declined: number;
  failed: number;
  expired: number;
  /** Each step over the one before it; null when the step before is 0. */
  conversion: {
    candidate_to_lead: number | null;
    lead_to_delivered: number | null;
    delivered_to_acknowledged: number | null;
    acknowledged_to_accepted: number | null;
    acceptance_rate: number | null;
    candidate_to_accepted: number | null;
  };
}

export interface FunnelReport {
  window: TimeWindow;
  filters: ReportFilters;
  totals: FunnelStages;
  /** Most candidates first, then most leads, then by company id. */
  byCompany: Array<FunnelStages & { company_id: string; company_name: string }>;
  /** Most candidates first, then most leads, then by service code. */
  byService: Array<FunnelStages & { service: string; service_name: string; company_id: string }>;
}

export async function funnelReport(env: Env, query: ReportQuery): Promise<FunnelReport> {
  const { catalog, filter, filters } = await resolveReportFilter(controlDb(env), query);
  // Candidates from the daily rollups, lead stages from the leads: both summed over every shard.
  const [rollups, leadStages] = await Promise.all([
    rollupsAcrossShards(env, filter),
    Promise.all(clientShards(env).map((shard) => loadFunnelLeadStages(shard.db, filter))),
  ]);
  const counts = { candidates: candidateCounts(rollups), leads: leadStages.flat() };

  const totals = new FunnelAccumulator();
  const byCompany = new Map<string, FunnelAccumulator>();
  const byService = new Map<string, FunnelAccumulator>();
  const groupsOf = (companyId: string, serviceId: string) => {
    const company = byCompany.get(companyId) ?? new FunnelAccumulator();
    byCompany.set(companyId, company);
    const service = byService.get(serviceId) ?? new FunnelAccumulator();
    byService.set(serviceId, service);
    return [totals, company, service];
  };
  for (const row of counts.candidates)
    for (const group of groupsOf(row.companyId, row.serviceId)) group.addCandidates(row);
  for (const row of counts.leads) for (const group of groupsOf(row.companyId, row.serviceId)) group.addLeads(row);

  return {
    window: { from: filter.from, to: filter.to },
    filters,
    totals: totals.stages(),
    byCompany: [...byCompany]
      .map(([companyId, group]) => ({
        company_id: companyId,
        company_name: catalog.companies.get(companyId)?.name ?? companyId,
        ...group.stages(),
      }))
      .sort((a, b) => b.candidates - a.candidates || b.leads - a.leads || a.company_id.localeCompare(b.company_id)),
    byService: [...byService]
      .map(([serviceId, group]) => {
        const service = catalog.services.get(serviceId);
        return {
          service: service?.code ?? serviceId,
          service_name: service?.name ?? serviceId,
          company_id: service?.companyId ?? "",
          ...group.stages(),
        };
      })
      .sort((a, b) => b.candidates - a.candidates || b.leads - a.leads || a.service.localeCompare(b.service)),
  };
}

function ratioOf(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Sums the funnel counts of one group (all, a company or a service); dry runs are not traffic. */
class FunnelAccumulator {
  private readonly decisions: Record<CandidateDecision, number> = {
    lead: 0,
    control: 0,
    below_threshold: 0,
    not_routed: 0,
    capped: 0,
    duplicate: 0,
  };
  private readonly leads = { leads: 0, delivered: 0, acknowledged: 0, accepted: 0, declined: 0, failed: 0, expired: 0 };

  addCandidates(row: CandidateCountRow): void {
    if (row.decision in this.decisions) this.decisions[row.decision as CandidateDecision] += row.count;
  }

  addLeads(row: LeadStageRow): void {
    for (const key of Object.keys(this.leads) as Array<keyof typeof this.leads>) this.leads[key] += row[key];
  }

  stages(): FunnelStages {
    const candidates = LEAD_DECISIONS.reduce((sum, decision) => sum + this.decisions[decision], 0);
    const { leads, delivered, acknowledged, accepted, declined } = this.leads;
    return {
      candidates,
      candidates_by_decision: { ...this.decisions },
      ...this.leads,
      conversion: {
        candidate_to_lead: ratioOf(leads, candidates),
        lead_to_delivered: ratioOf(delivered, leads),
        delivered_to_acknowledged: ratioOf(acknowledged, delivered),
        acknowledged_to_accepted: ratioOf(accepted, acknowledged),
        acceptance_rate: ratioOf(accepted, accepted + declined),
        candidate_to_accepted: ratioOf(accepted, candidates),
      },
    };
  }
}
