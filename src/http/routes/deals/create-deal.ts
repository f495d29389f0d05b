import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { DomainError } from "../../../domain/errors";
import { findPersonalData, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { getDb } from "../../../storage/db";
import { beginIdempotent } from "../../../storage/idempotency";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { externalIdHash, readJsonBody, validateAll } from "../clients/input";
import { recordCrmDeal } from "./record-deal";

/** A deal may be dated at most this far ahead of the server clock (clock skew). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** Largest accepted deal amount (RUB). */
export const MAX_DEAL_AMOUNT = 1_000_000_000_000;

const IDEMPOTENCY_ROUTE = "POST /v1/deals";

/** Whether a RUB amount is a whole number of kopecks (at most two decimals, up to float noise). */
function isWholeKopecks(amount: number): boolean {
  const kopecks = amount * 100;
  return Math.abs(kopecks - Math.round(kopecks)) < 1e-6;
}

export const CreateDealBody = z
  .strictObject({
    external_id: externalIdSchema,
    service: z.string().min(1).max(64).describe("Code of the service (one your company sells)"),
    outcome: z.enum(["accepted", "declined"]).describe("`accepted`: the client took the service; `declined`: not"),
    amount: z
      .number()
      .min(0)
      .max(MAX_DEAL_AMOUNT)
      .refine(isWholeKopecks, { error: "amount must be in RUB with at most two decimals (kopecks)" })
      .optional()
      .describe(
        "Deal amount in RUB (at most two decimals); the commission on a lead's accepted deal is computed from it",
      ),
    lead_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("The lead this deal answers (`ld_…`): one CactuBase created for this client and service"),
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("When the deal happened (ISO 8601); default now. The latest outcome wins by this time"),
  })
  .meta({ id: "CreateDealRequest" });

export const DealSchema = z
  .object({
    id: z.string().describe("`dl_…`"),
    service: z.string().describe("Service code"),
    company_id: z.string().describe("The company that sold (or failed to sell) the service"),
    lead_id: z.string().nullable(),
    outcome: z.enum(["accepted", "declined"]),
    amount: z.number().nullable().describe("RUB"),
    commission: z
      .number()
      .nullable()
      .describe("Platform commission (RUB) at the company's rate; 0 for deals without a lead, null if nothing to earn"),
    reported_by: z.enum(["crm", "partner", "admin"]),
    occurred_at: z.iso.datetime(),
    recorded_at: z.iso.datetime(),
  })
  .meta({ id: "Deal" });

export const CreateDealResponse = z
  .object({
    deal: DealSchema,
    recorded: z
      .boolean()
      .describe("false: an identical report (same lead, outcome, amount and occurred_at) was already recorded"),
    current: z
      .boolean()
      .describe(
        "Whether this outcome now stands for the client and service in the interaction matrix; false when a newer " +
          "outcome was already recorded (the latest outcome wins)",
      ),
    lead: z.object({ id: z.string(), status: z.string() }).nullable().describe("The lead's status after the report"),
  })
  .meta({ id: "CreateDealResponse" });

export class CreateDealRoute extends OpenAPIRoute {
  override schema = {
    operationId: "createDeal",
    tags: ["Deals"],
    summary: "Report a deal: a client accepted or declined one of your company's services",
    description:
      "Records the outcome of an offer for one of the caller's clients (by the CRM's own `external_id`) and one of " +
      "the caller's services, optionally answering a lead (`lead_id`) CactuBase created for that client and " +
      "service. The deal feeds the interaction matrix at once (accepted → 1, declined → −1), so the client's next " +
      "recommendation reflects it; a lead's status and the company's measured acceptance (used by `performance` " +
      "routing) follow. An accepted deal on a lead with an amount accrues the company's commission.\n\n" +
      "**The latest outcome wins, by `occurred_at`** (equal times: the later report). A report older than the " +
      "outcome already recorded for the client and service (or the lead) is kept as a deal row but changes " +
      "neither (`current: false`). A report identical to an earlier one (same lead, outcome, amount and " +
      "`occurred_at`) records nothing and answers 200 `recorded: false`, so a CRM can re-send its history.\n\n" +
      "**`Idempotency-Key` is required**: a retry with the same key and body replays the first answer (header " +
      "`Idempotency-Replayed: true`); the same key with another body is 422 `idempotency_mismatch`, and while the " +
      "first request runs, 409 `idempotency_in_flight`.\n\n" +
      "Errors: personal data anywhere in the body is 422 `personal_data`; an unknown client (send it first with " +
      "`PUT /v1/clients/{external_id}`) or a lead that is unknown or not one of your clients' is 404; an unknown " +
      "service code is 400; a service of another company, or a lead for another client or service, is 422 " +
      "`unprocessable`. Needs `crm` scope.",
    request: {
      headers: z.object({
        "idempotency-key": z
          .string()
          .min(1)
          .max(255)
          .describe("Unique per deal report (e.g. a UUID); 1–255 printable ASCII characters"),
      }),
      body: { required: true, content: { "application/json": { schema: CreateDealBody } } },
    },
    responses: {
      "201": { description: "Recorded", content: { "application/json": { schema: CreateDealResponse } } },
      "200": {
        description: "Identical to an earlier report: nothing recorded (`recorded: false`)",
        content: { "application/json": { schema: CreateDealResponse } },
      },
      ...errorResponses(400, 403, 404, 409, 413, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireCompanyScope(c, "crm");
    const body = await readJsonBody(c);
    const findings = findPersonalData(body, ["body"], {
      identifierMapFields: [],
      identifierFields: ["external_id", "service", "lead_id"],
    });
    if (findings.length > 0) throw personalDataError(findings);
    const { input } = validateAll({ input: [CreateDealBody, body, ["body"]] });

    const now = Date.now();
    const occurredAt = input.occurred_at === undefined ? null : Date.parse(input.occurred_at);
    if (occurredAt !== null && occurredAt > now + FUTURE_TOLERANCE_MS) {
      throw new DomainError("validation_failed", "`occurred_at` is in the future", ["body", "occurred_at"]);
    }
    const key = c.req.header("idempotency-key");
    if (key === undefined) {
      throw new DomainError(
        "validation_failed",
        "The Idempotency-Key header is required: a unique key per report (e.g. a UUID) makes retries safe",
        ["headers", "idempotency-key"],
      );
    }

    const db = getDb(c.env.DB);
    const externalHash = await externalIdHash(c.env, principal.companyId, input.external_id);
    const begun = await beginIdempotent(db, {
      principalId: principal.keyId,
      key,
      route: IDEMPOTENCY_ROUTE,
      body: await c.req.text(),
    });
    if (begun.kind === "replay") {
      return c.json(begun.body, begun.status as ContentfulStatusCode, { "Idempotency-Replayed": "true" });
    }
    try {
      const answer = await recordCrmDeal(
        db,
        {
          companyId: principal.companyId,
          externalHash,
          serviceCode: input.service,
          outcome: input.outcome,
          amount: input.amount ?? null,
          leadId: input.lead_id ?? null,
          occurredAt,
        },
        { now, complete: begun.slot.complete },
      );
      return c.json(answer.body, answer.status);
    } catch (error) {
      // Nothing was committed (the answer commits with the deal): free the key for a retry.
      await begun.slot.release().catch(() => undefined);
      throw error;
    }
  }
}
