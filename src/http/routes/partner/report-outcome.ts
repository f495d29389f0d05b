import { contentJson } from "chanfana";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import { MAX_DEAL_AMOUNT } from "../../../domain/number-ranges";
import type { AppEnv } from "../../../env";
import type { Db } from "../../../storage/db";
import { getDb } from "../../../storage/db";
import {
  buildDealWrite,
  type DealRow,
  dealExists,
  findLatestLeadDeal,
  findLeadDealAt,
  isSameOutcome,
} from "../../../storage/deals";
import { beginIdempotent, type IdempotencySlot } from "../../../storage/idempotency";
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
      .max(MAX_DEAL_AMOUNT)
      .optional()
      .describe(
        `Deal amount in RUB (0–${MAX_DEAL_AMOUNT}; above is 422); the platform commission is computed from it on accepted deals`,
      ),
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
    tags: ["Partner inbox"],
    summary: "Report the outcome of a lead (accepted or declined)",
    description:
      "Records a deal and feeds it back into the recommender (accepted → the client uses the service, declined → " +
      "offered and refused). Every report is kept; the one with the latest `occurred_at` sets the lead status and " +
      "the matrix (a correction dated earlier than the current outcome is recorded but changes neither). Repeating " +
      "the latest report (same outcome and amount, and same `occurred_at` if given) changes nothing and answers " +
      "`changed: false`. The write is idempotent at the database: one deal per lead and `occurred_at`, and " +
      "concurrent identical reports record exactly one deal. An `Idempotency-Key` header is accepted as on " +
      "`POST /v1/deals`.",
    request: {
      params: leadIdParams,
      headers: z.object({
        "idempotency-key": z
          .string()
          .min(1)
          .max(255)
          .nullish()
          .describe("Optional: a repeat with the same key and body replays the first answer"),
      }),
      body: contentJson(reportOutcomeBody),
    },
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
      ...errorResponses(400, 403, 404, 409, 422, 429),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireCompanyScope(c, "partner");
    const { companyId } = principal;
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const now = Date.now();
    const occurredAt = body.occurred_at === undefined ? null : Date.parse(body.occurred_at);
    if (occurredAt !== null && occurredAt > now + FUTURE_TOLERANCE_MS) {
      throw new DomainError("validation_failed", "`occurred_at` is in the future", ["body", "occurred_at"]);
    }
    const db = getDb(c.env.DB);
    const lead = await findCompanyLead(db, companyId, params.id);
    if (!lead) throw leadNotFound(params.id);

    const idempotencyKey = c.req.header("idempotency-key");
    let slot: IdempotencySlot | null = null;
    if (idempotencyKey !== undefined) {
      const begun = await beginIdempotent(db, {
        principalId: principal.keyId,
        key: idempotencyKey,
        route: `POST /v1/partner/leads/${lead.id}/outcome`,
        body,
      });
      if (begun.kind === "replay") {
        c.header("idempotent-replayed", "true");
        return c.json(begun.body as ReportOutcomeAnswer, 200);
      }
      slot = begun.slot;
    }
    try {
      const answer = await recordOutcome(db, { companyId, lead, body, occurredAt, now, slot });
      return c.json(answer, 200);
    } catch (error) {
      await slot?.release().catch(() => undefined);
      throw error;
    }
  }
}

type ReportOutcomeAnswer = {
  lead: ReturnType<typeof toInboxLead>;
  deal: ReturnType<typeof dealView>;
  changed: boolean;
};

type LeadRow = NonNullable<Awaited<ReturnType<typeof findCompanyLead>>>;

/**
 * Writes the outcome unless it repeats what is recorded. The write itself is idempotent at the
 * database (src/storage/deals.ts): of concurrent identical reports exactly one inserts the deal;
 * the others find it and answer `changed: false`.
 */
async function recordOutcome(
  db: Db,
  input: {
    companyId: string;
    lead: LeadRow;
    body: z.output<typeof reportOutcomeBody>;
    occurredAt: number | null;
    now: number;
    slot: IdempotencySlot | null;
  },
): Promise<ReportOutcomeAnswer> {
  const { companyId, lead, body, occurredAt, now, slot } = input;
  const amount = body.amount ?? null;
  const unchanged = async (deal: DealRow): Promise<ReportOutcomeAnswer> => {
    const standing = (await findCompanyLead(db, companyId, lead.id)) ?? lead;
    const answer = { lead: toInboxLead(standing), deal: dealView(deal), changed: false };
    if (slot) await db.batch([slot.complete(200, answer)]);
    return answer;
  };
  const latest = await findLatestLeadDeal(db, lead.id);
  if (isSameOutcome(latest, { outcome: body.outcome, amount, occurredAt })) return unchanged(latest);

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
    skipIfRepeatsLatest: occurredAt === null,
  });
  await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  if (!(await dealExists(db, deal.id))) {
    // A concurrent report won: answer with the deal that stands.
    const standing =
      occurredAt === null ? await findLatestLeadDeal(db, lead.id) : await findLeadDealAt(db, lead.id, occurredAt);
    if (standing && isSameOutcome(standing, { outcome: body.outcome, amount, occurredAt })) return unchanged(standing);
    throw new DomainError(
      "conflict",
      "Another outcome of this lead is recorded at the same occurred_at; report a correction with its own time",
      ["body", "occurred_at"],
    );
  }
  const updated = (await findCompanyLead(db, companyId, lead.id)) ?? lead;
  const answer = { lead: toInboxLead(updated), deal: dealView(deal), changed: true };
  if (slot) await db.batch([slot.complete(200, answer)]);
  return answer;
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
