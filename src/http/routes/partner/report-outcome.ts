import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { iso } from "../../../domain/time";
import type { AppEnv } from "../../../env";
import type { PartnerDealRecord } from "../../../usecases/deals/report-partner-outcome";
import { reportPartnerOutcome } from "../../../usecases/deals/report-partner-outcome";
import { partnerOutcomeSchema } from "../../../usecases/deals/request";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { inboxLeadSchema, leadIdParams, toInboxLead } from "./inbox";

export const partnerDealSchema = z
  .object({
    id: z.string(),
    outcome: z.enum(["accepted", "declined"]),
    amount: z.number().nullable(),
    occurred_at: z.iso.datetime(),
    reported_at: z.iso.datetime(),
  })
  .meta({ id: "PartnerDeal" });

export class ReportLeadOutcomeRoute extends ApiRoute {
  override schema = {
    operationId: "reportPartnerLeadOutcome",
    tags: ["Partner inbox"],
    summary: "Report the outcome of a lead (accepted or declined)",
    description:
      "Records a deal and feeds it back into the recommender (accepted → the client uses the service, declined → " +
      "offered and refused). Every report is kept; the one with the latest `occurred_at` sets the lead status and " +
      "the matrix (a correction dated earlier than the current outcome is recorded but changes neither). Repeating " +
      "the latest report (same outcome and amount, and same `occurred_at` if given) changes nothing and answers " +
      "`changed: false`.",
    request: { params: leadIdParams, body: contentJson(partnerOutcomeSchema) },
    responses: {
      "200": {
        description: "The lead and the deal that now stands for it",
        ...contentJson(
          z
            .object({
              lead: inboxLeadSchema,
              deal: partnerDealSchema,
              changed: z.boolean().describe("false when the report repeated the latest one"),
            })
            .meta({ id: "ReportOutcomeResponse" }),
        ),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const result = await reportPartnerOutcome(c.env, { companyId, leadId: params.id, outcome: body });
    return { lead: toInboxLead(result.lead), deal: dealView(result.deal), changed: result.changed };
  }
}

function dealView(deal: PartnerDealRecord) {
  return {
    id: deal.id,
    outcome: deal.outcome,
    amount: deal.amount,
    occurred_at: iso(deal.occurredAt),
    reported_at: iso(deal.createdAt),
  };
}
