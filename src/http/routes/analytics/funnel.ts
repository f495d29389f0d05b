import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { LEAD_DECISIONS } from "../../../domain/lead-selection";
import type { AppEnv } from "../../../env";
import { funnelReport } from "../../../usecases/analytics/funnel";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { FiltersSchema, filterQueryFields, reportQuery } from "./filters";
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
    const funnel = await funnelReport(c.env, reportQuery(query));
    return {
      window: windowView(funnel.window),
      filters: funnel.filters,
      totals: funnel.totals,
      by_company: funnel.byCompany,
      by_service: funnel.byService,
    };
  }
}
