import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { recordCrmDeal } from "../../../usecases/deals/record-crm-deal";
import { crmDealReportSchema } from "../../../usecases/deals/request";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { readJsonBody } from "../../request-body";

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
      body: { required: true, content: { "application/json": { schema: crmDealReportSchema } } },
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
    const { keyId, companyId } = requireCompanyScope(c, "crm");
    const result = await recordCrmDeal(c.env, {
      caller: { keyId, companyId },
      body: await readJsonBody(c),
      rawBody: await c.req.text(),
      idempotencyKey: c.req.header("idempotency-key"),
    });
    if (result.replayed) {
      return c.json(result.body, result.status as ContentfulStatusCode, { "Idempotency-Replayed": "true" });
    }
    return c.json(result.body satisfies z.infer<typeof CreateDealResponse>, result.status as 200 | 201);
  }
}
