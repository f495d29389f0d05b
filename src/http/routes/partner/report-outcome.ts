import { contentJson } from "chanfana";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import type { AppEnv } from "../../../env";
import { getDb } from "../../../storage/db";
import { buildDealWrite, findLatestLeadDeal, isSameOutcome } from "../../../storage/deals";
import { findCompanyLead } from "../../../storage/leads";
import { companies } from "../../../storage/schema";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { inboxLeadSchema, leadIdParams, leadNotFound, toInboxLead } from "./inbox";

/** An outcome may be dated at most this far ahead of the server clock (clock skew). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export const reportOutcomeBody = z
  .strictObject({
    outcome: z.enum(["accepted", "declined"]).describe("`accepted`: the client took the service; `declined`: not"),
    amount: z
      .number()
      .min(0)
      .max(1_000_000_000_000)
      .optional()
      .describe("Deal amount in RUB; the platform commission is computed from it on accepted deals"),
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("When the deal happened (ISO 8601); defaults to now"),
  })
  .meta({ id: "ReportOutcomeRequest" });

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
    request: { params: leadIdParams, body: contentJson(reportOutcomeBody) },
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
    const now = Date.now();
    const occurredAt = body.occurred_at === undefined ? null : Date.parse(body.occurred_at);
    if (occurredAt !== null && occurredAt > now + FUTURE_TOLERANCE_MS) {
      throw new DomainError("validation_failed", "`occurred_at` is in the future", ["body", "occurred_at"]);
    }
    const db = getDb(c.env.DB);
    const lead = await findCompanyLead(db, companyId, params.id);
    if (!lead) throw leadNotFound(params.id);

    const amount = body.amount ?? null;
    const latest = await findLatestLeadDeal(db, lead.id);
    if (isSameOutcome(latest, { outcome: body.outcome, amount, occurredAt })) {
      return { lead: toInboxLead(lead), deal: dealView(latest), changed: false };
    }

    const [company] = await db
      .select({ commissionRate: companies.commissionRate })
      .from(companies)
      .where(eq(companies.id, companyId))
      .limit(1);
    const { deal, statements } = buildDealWrite(db, {
      clientId: lead.clientId,
      serviceId: lead.serviceId,
      companyId,
      leadId: lead.id,
      outcome: body.outcome,
      amount,
      commissionRate: company?.commissionRate ?? 0,
      reportedBy: "partner",
      interactionSource: "partner",
      occurredAt: occurredAt ?? now,
      now,
    });
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
    const updated = (await findCompanyLead(db, companyId, lead.id)) ?? lead;
    return { lead: toInboxLead(updated), deal: dealView(deal), changed: true };
  }
}

function dealView(deal: {
  id: string;
  outcome: "accepted" | "declined";
  amount: number | null;
  occurredAt: number;
  createdAt: number;
}) {
  return {
    id: deal.id,
    outcome: deal.outcome,
    amount: deal.amount,
    occurred_at: new Date(deal.occurredAt).toISOString(),
    reported_at: new Date(deal.createdAt).toISOString(),
  };
}
