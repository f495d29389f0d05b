import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { iso } from "../../../../domain/time";
import type { AppEnv } from "../../../../env";
import { DELIVERY_LOG_MAX_LIMIT, listCompanyDeliveries } from "../../../../usecases/lead-delivery/company-deliveries";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema } from "../schemas";

export const CompanyDeliverySchema = z
  .object({
    lead_id: z.string(),
    service_id: z.string(),
    type: z.enum(["delivery_attempt", "delivered", "failed", "endpoint_disabled"]),
    at: z.iso.datetime(),
    attempt: z.number().int().nullable().describe("Cumulative webhook attempt number of the lead"),
    http_status: z.number().int().nullable(),
    latency_ms: z.number().int().nullable(),
    error: z.string().nullable(),
    detail: z.string().nullable(),
  })
  .meta({ id: "CompanyDelivery" });

/** `GET /v1/admin/companies/{id}/deliveries` */
export class ListCompanyDeliveriesRoute extends ApiRoute {
  override schema = {
    operationId: "listCompanyDeliveries",
    tags: ["Admin: companies"],
    summary: "The company's delivery log: recent webhook attempts, deliveries, failures, endpoint stops",
    description:
      "Events of the leads the company receives, newest first, over every client shard: `delivery_attempt` " +
      '(with `detail` "skipped: inbox (…)" when the company receives no webhooks), `delivered`, `failed`, ' +
      "`endpoint_disabled`. Leads archived by housekeeping are not included.",
    request: {
      params: z.object({ id: companyIdSchema }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(DELIVERY_LOG_MAX_LIMIT).default(50) }),
    },
    responses: {
      "200": {
        description: "The newest delivery events",
        ...contentJson(z.object({ items: z.array(CompanyDeliverySchema) })),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params, query } = await this.getValidatedData<typeof this.schema>();
    const rows = await listCompanyDeliveries(c.env, params.id, query.limit);
    return c.json({
      items: rows.map((row) => ({
        lead_id: row.leadId,
        service_id: row.serviceId,
        type: row.type,
        at: iso(row.at),
        attempt: row.attempt,
        http_status: row.httpStatus,
        latency_ms: row.latencyMs,
        error: row.error,
        detail: row.detail,
      })),
    });
  }
}
