/**
 * Admin view of one lead with its full event history, and admin redelivery.
 */
import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { leadDocumentSchema } from "../../../domain/lead-document";
import { LEAD_STATUSES } from "../../../domain/lead-status";
import { iso, isoOrNull } from "../../../domain/time";
import type { AppEnv } from "../../../env";
import { getLeadHistory, type LeadEventRecord, type LeadRecord } from "../../../usecases/lead-delivery/lead-history";
import { redeliverLead } from "../../../usecases/lead-delivery/redeliver";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import type { Router } from "../../router";

const leadIdParams = z.object({ id: z.string().min(1).max(64).describe("Lead id (`ld_…`)") });
const isoOrNullSchema = z.iso.datetime().nullable();

export const leadEventSchema = z
  .object({
    id: z.number().int(),
    type: z
      .string()
      .describe(
        'created, enqueued, delivery_attempt (with `detail` "skipped: inbox (…)" when the company receives no ' +
          "webhooks), delivered, retry_scheduled, dead_lettered, failed, redeliver_requested, acknowledged, outcome, " +
          "endpoint_disabled",
      ),
    at: z.iso.datetime(),
    attempt: z.number().int().nullable().describe("Cumulative webhook attempt number of the lead"),
    http_status: z.number().int().nullable(),
    latency_ms: z.number().int().nullable(),
    error: z.string().nullable(),
    detail: z.string().nullable(),
  })
  .meta({ id: "LeadEvent" });

export const adminLeadSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    status: z.enum(LEAD_STATUSES),
    client_id: z.string(),
    service_id: z.string(),
    source_company_id: z.string(),
    target_company_id: z.string(),
    rating: z.number(),
    model_version: z.string().nullable(),
    delivery_attempts: z.number().int(),
    last_error: z.string().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    delivered_at: isoOrNullSchema,
    acknowledged_at: isoOrNullSchema,
    outcome_at: isoOrNullSchema,
    document: leadDocumentSchema,
    routing: z
      .record(z.string(), z.unknown())
      .describe("Competition resolution record: winner, reason, policy, alternatives with scores and probabilities"),
  })
  .meta({ id: "AdminLead" });

export class GetLeadRoute extends ApiRoute {
  override schema = {
    operationId: "getLead",
    tags: ["Admin: leads"],
    summary: "Get a lead with its delivery history",
    request: { params: leadIdParams },
    responses: {
      "200": {
        description: "The lead and every event of its lifecycle, oldest first",
        ...contentJson(
          z.object({ lead: adminLeadSchema, events: z.array(leadEventSchema) }).meta({ id: "AdminLeadDetail" }),
        ),
      },
      ...errorResponses(403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    const { lead, events } = await getLeadHistory(c.env, params.id);
    return { lead: adminLeadView(lead), events: events.map(eventView) };
  }
}

export class RedeliverLeadRoute extends ApiRoute {
  override schema = {
    operationId: "redeliverLead",
    tags: ["Admin: leads"],
    summary: "Redeliver a lead",
    description:
      "Puts a `queued`, `delivered` or `failed` lead back on the dispatch queue (status `queued`, event " +
      "`redeliver_requested`). The webhook carries the same `webhook-id` (the lead id), so a receiver that already " +
      "processed it can drop the repeat. A company whose webhook is disabled gets the lead in its inbox only. " +
      "If the queue is unavailable the answer still is 202 with `enqueued: false`: the sweep sends it within minutes.",
    request: { params: leadIdParams },
    responses: {
      "202": {
        description: "Redelivery accepted",
        ...contentJson(
          z
            .object({
              lead_id: z.string(),
              status: z.literal("queued"),
              enqueued: z.boolean().describe("false: the queue refused the message now; the sweep retries it"),
            })
            .meta({ id: "RedeliverLeadResponse" }),
        ),
      },
      ...errorResponses(403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    const redelivery = await redeliverLead(c.env, params.id, principal.keyId);
    return c.json({ lead_id: redelivery.leadId, status: "queued" as const, enqueued: redelivery.enqueued }, 202);
  }
}

/** Registers GET /v1/admin/leads/{id} and POST /v1/admin/leads/{id}/redeliver. */
export function registerLeadAdminRoutes(router: Router) {
  router.get("/v1/admin/leads/:id", GetLeadRoute);
  router.post("/v1/admin/leads/:id/redeliver", RedeliverLeadRoute);
}

function adminLeadView(lead: LeadRecord) {
  return {
    id: lead.id,
    seq: lead.seq,
    status: lead.status,
    client_id: lead.clientId,
    service_id: lead.serviceId,
    source_company_id: lead.sourceCompanyId,
    target_company_id: lead.targetCompanyId,
    rating: lead.rating,
    model_version: lead.modelVersion,
    delivery_attempts: lead.deliveryAttempts,
    last_error: lead.lastError,
    created_at: iso(lead.createdAt),
    updated_at: iso(lead.updatedAt),
    delivered_at: isoOrNull(lead.deliveredAt),
    acknowledged_at: isoOrNull(lead.acknowledgedAt),
    outcome_at: isoOrNull(lead.outcomeAt),
    document: JSON.parse(lead.payload),
    routing: JSON.parse(lead.routing),
  };
}

function eventView(event: LeadEventRecord) {
  return {
    id: event.id,
    type: event.type,
    at: iso(event.at),
    attempt: event.attempt,
    http_status: event.httpStatus,
    latency_ms: event.latencyMs,
    error: event.error,
    detail: event.detail,
  };
}
