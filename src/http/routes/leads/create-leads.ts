import { OpenAPIRoute } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { LEAD_DECISIONS } from "../../../domain/lead-selection";
import type { AppEnv } from "../../../env";
import { createLeads, type LeadCallTimings } from "../../../usecases/lead-call/create-leads";
import { createLeadsBodySchema } from "../../../usecases/lead-call/request";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { readJsonBody } from "../../request-body";

const reasonSchema = z.string();

const ratingItemSchema = z
  .object({
    service: z.string(),
    name: z.string(),
    category: z.string(),
    company_id: z.string(),
    rating: z.number().min(0).max(100),
    threshold: z.number(),
    decision: z.enum(LEAD_DECISIONS),
    note: z.string().nullable(),
    reasons: z.array(reasonSchema),
  })
  .meta({ id: "LeadCallRating" });

const createdLeadSchema = z
  .object({
    id: z.string(),
    service: z.string(),
    category: z.string(),
    target_company: z.object({ id: z.string(), name: z.string() }),
    rating: z.number(),
    reasons: z.array(reasonSchema),
    routing_reason: z.string(),
    status: z.enum(["queued", "would_create"]),
  })
  .meta({ id: "LeadCallLead" });

/** What every answer of the lead call carries besides its body. */
const SERVER_TIMING_NOTE =
  "The `Server-Timing` header tells where the call's time went, in ms: `db-read` (control data and the " +
  "client's shard, read in parallel), `score`, `db-write` (the one atomic write to the client's shard), `total`.";

export const createLeadsResponseSchema = z
  .object({
    client_ref: z.string().nullable(),
    dry_run: z.boolean(),
    model_version: z.string().nullable(),
    ratings: z.array(ratingItemSchema),
    leads: z.array(createdLeadSchema),
    not_routed: z.array(z.object({ category: z.string(), reason: z.string(), message: z.string() })),
  })
  .meta({ id: "CreateLeadsResponse" });

type CreateLeadsResponse = z.infer<typeof createLeadsResponseSchema>;

/** `POST /v1/leads` — the CRM call: one client in, ratings and packaged, enqueued leads out. */
export class CreateLeadsRoute extends OpenAPIRoute {
  override schema = {
    operationId: "createLeads",
    tags: ["Leads"],
    summary: "Rate a client the manager works on and create leads for the services it will likely take",
    description:
      "In one call: the personal-data guard and validation (as client intake), the profile upsert (with the " +
      "optional `services` interactions), rating of every eligible service, the effective threshold of each " +
      "service, control-group holdouts of running experiments, competition resolution between companies (at most " +
      "one lead per category, at most `max_leads_per_request`), lead packaging and enqueueing for delivery. " +
      "`dry_run: true` answers the same without writing anything.\n\n" +
      "`Idempotency-Key` (recommended): the same key with the same body replays the first answer and creates " +
      "nothing new (kept 48 h); the same key with another body is 422 `idempotency_mismatch`. Concurrent " +
      "requests under one key: one is carried out, the others answer with its answer. No second lead is created for a client and service " +
      "while an earlier one is open or inside the exclusivity window (decision `duplicate`). Needs `crm` scope.",
    request: {
      headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
      body: { required: true, content: { "application/json": { schema: createLeadsBodySchema } } },
    },
    responses: {
      "200": {
        description:
          "Rated; no lead was created (dry run, idempotent replay of such an answer, or nothing qualified). " +
          SERVER_TIMING_NOTE,
        content: { "application/json": { schema: createLeadsResponseSchema } },
      },
      "201": {
        description: `Rated, and at least one lead was created and enqueued for delivery. ${SERVER_TIMING_NOTE}`,
        content: { "application/json": { schema: createLeadsResponseSchema } },
      },
      ...errorResponses(400, 403, 409, 413, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { keyId, companyId } = requireCompanyScope(c, "crm");
    const scanned = c.get("scannedBody");
    const result = await createLeads(c.env, {
      caller: { keyId, companyId },
      body: scanned ?? (await readJsonBody(c)),
      bodyScannedForPersonalData: scanned !== undefined,
      idempotencyKey: c.req.header("idempotency-key"),
      waitUntil: (work) => c.executionCtx.waitUntil(work),
    });
    if (result.replayed) c.header("idempotent-replayed", "true");
    c.header("server-timing", serverTiming(result.timings));
    // The use case serialized the answer once, for its idempotency record: the same text is sent.
    result.answer satisfies CreateLeadsResponse;
    return c.body(result.answerJson, result.status, { "content-type": "application/json" });
  }
}

/** `Server-Timing` of a lead call: D1 read, rating, D1 write and the whole call (ms, one decimal). */
function serverTiming(timings: LeadCallTimings): string {
  const ms = (value: number) => (Math.round(value * 10) / 10).toString();
  return `db-read;dur=${ms(timings.dbRead)}, score;dur=${ms(timings.score)}, db-write;dur=${ms(timings.dbWrite)}, total;dur=${ms(timings.total)}`;
}
