import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { LEAD_DECISIONS } from "../../../domain/lead-selection";
import type { AppEnv } from "../../../env";
import {
  type AnalyticsFilter,
  type CandidateCountRow,
  type LeadStageRow,
  loadCatalogNames,
  loadFunnelCounts,
} from "../../../storage/analytics";
import { getDb } from "../../../storage/db";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { analyticsFilter, FiltersSchema, filterQueryFields, filtersView } from "./filters";
import { WindowSchema, windowView } from "./schemas";

/** Candidate decisions the funnel breaks the scored candidates into (dry runs are not traffic). */
const FUNNEL_DECISIONS = LEAD_DECISIONS;
type FunnelDecision = (typeof FUNNEL_DECISIONS)[number];

const ratio = z.number().nullable();

export const FunnelStagesSchema = z
  .object({
    candidates: z.int().describe("(client, service) pairs scored in the window"),
    candidates_by_decision: z
      .object(
        Object.fromEntries(FUNNEL_DECISIONS.map((decision) => [decision, z.int()])) as Record<FunnelDecision, z.ZodInt>,
      )
      .describe("What became of the candidates"),
    leads: z.int().describe("Leads created in the window"),
    delivered: z.int().describe("…that reached the company (webhook 2xx, or read and answered in the inbox)"),
    acknowledged: z.int().describe("…whose receipt the company confirmed (an outcome implies it)"),
    accepted: z.int(),
    declined: z.int(),
    failed: z.int().describe("Pushing gave up; still in the inbox"),
    expired: z.int(),
    conversion: z
      .object({
        candidate_to_lead: ratio.describe("leads / candidates"),
        lead_to_delivered: ratio.describe("delivered / leads"),
        delivered_to_acknowledged: ratio.describe("acknowledged / delivered"),
        acknowledged_to_accepted: ratio.describe("accepted / acknowledged"),
        acceptance_rate: ratio.describe("accepted / (accepted + declined)"),
        candidate_to_accepted: ratio.describe("accepted / candidates"),
      })
      .describe("Each step over the one before it; null when the step before is 0"),
  })
  .meta({ id: "FunnelStages" });

type FunnelStages = z.infer<typeof FunnelStagesSchema>;

export class FunnelRoute extends ApiRoute {
  override schema = {
    operationId: "getFunnel",
    tags: ["Admin: analytics"],
    summary: "Conversion funnel: candidates → leads → delivered → acknowledged → accepted / declined",
    description:
      "Candidates scored in the window and the leads created in it, followed to their state now (a cohort), in " +
      "total, by receiving company and by service. `company` is the company selling the service (the lead " +
      "receiver); `service` a service code; an unknown one is 404. Definitions: docs/analytics.md.",
    request: { query: z.strictObject(filterQueryFields) },
    responses: {
      "200": {
        description: "The funnel",
        ...contentJson(
          z
            .object({
              window: WindowSchema,
              filters: FiltersSchema,
              totals: FunnelStagesSchema,
              by_company: z.array(
                FunnelStagesSchema.extend({ company_id: z.string(), company_name: z.string() }).meta({
                  id: "CompanyFunnel",
                }),
              ),
              by_service: z.array(
                FunnelStagesSchema.extend({
                  service: z.string().describe("Service code"),
                  service_name: z.string(),
                  company_id: z.string(),
                }).meta({ id: "ServiceFunnel" }),
              ),
            })
            .meta({ id: "Funnel" }),
        ),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const db = getDb(c.env.DB);
    const catalog = await loadCatalogNames(db);
    const filter: AnalyticsFilter = analyticsFilter(query, catalog);
    const counts = await loadFunnelCounts(db, filter);

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
      window: windowView(filter),
      filters: filtersView(filter, catalog),
      totals: totals.stages(),
      by_company: [...byCompany]
        .map(([companyId, group]) => ({
          company_id: companyId,
          company_name: catalog.companies.get(companyId)?.name ?? companyId,
          ...group.stages(),
        }))
        .sort((a, b) => b.candidates - a.candidates || b.leads - a.leads || a.company_id.localeCompare(b.company_id)),
      by_service: [...byService]
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
}

function ratioOf(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Sums the funnel counts of one group (all, a company or a service). */
class FunnelAccumulator {
  private readonly decisions: Record<FunnelDecision, number> = {
    lead: 0,
    control: 0,
    below_threshold: 0,
    not_routed: 0,
    capped: 0,
    duplicate: 0,
  };
  private readonly leads = { leads: 0, delivered: 0, acknowledged: 0, accepted: 0, declined: 0, failed: 0, expired: 0 };

  addCandidates(row: CandidateCountRow): void {
    if (row.decision in this.decisions) this.decisions[row.decision as FunnelDecision] += row.count;
  }

  addLeads(row: LeadStageRow): void {
    for (const key of Object.keys(this.leads) as Array<keyof typeof this.leads>) this.leads[key] += row[key];
  }

  stages(): FunnelStages {
    const candidates = FUNNEL_DECISIONS.reduce((sum, decision) => sum + this.decisions[decision], 0);
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
