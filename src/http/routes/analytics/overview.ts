import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { OVERVIEW_MAX_DAYS, overviewReport } from "../../../usecases/analytics/overview";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";

const OverviewSchema = z
  .object({
    window: z.object({ from: z.iso.datetime().describe("Inclusive"), to: z.iso.datetime().describe("Exclusive") }),
    leads_per_day: z
      .array(
        z.object({
          day: z.iso.date().describe("UTC day"),
          company_id: z.string().describe("The receiving company"),
          company_name: z.string(),
          category: z.string().describe("The service's category"),
          leads: z.int(),
        }),
      )
      .describe(
        "Leads created per UTC day by receiving company and category, oldest day first; days without leads are absent",
      ),
    delivery: z.object({
      queued: z.int().describe("Leads waiting for their first delivery now"),
      oldest_queued_at: z.iso.datetime().nullable().describe("Creation time of the oldest waiting lead"),
      failed: z.int().describe("Leads whose pushing gave up (still in the inbox) now"),
      dead_lettered: z.int().describe("Delivery messages dead-lettered in the window"),
    }),
  })
  .meta({ id: "AdminOverview" });

export class OverviewRoute extends ApiRoute {
  override schema = {
    operationId: "getAdminOverview",
    tags: ["Analytics"],
    summary: "The console's overview: leads per day by company and category, delivery health",
    request: {
      query: z.object({
        days: z.coerce
          .number()
          .int()
          .min(1)
          .max(OVERVIEW_MAX_DAYS)
          .default(14)
          .describe("UTC days back, today included"),
      }),
    },
    responses: {
      "200": { description: "The overview", ...contentJson(OverviewSchema) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const report = await overviewReport(c.env, query.days);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      window: { from: iso(report.window.from), to: iso(report.window.to) },
      leads_per_day: report.leadsPerDay.map((row) => ({
        day: row.day,
        company_id: row.companyId,
        company_name: row.companyName,
        category: row.category,
        leads: row.leads,
      })),
      delivery: {
        queued: report.delivery.queued,
        oldest_queued_at: report.delivery.oldestQueuedAt === null ? null : iso(report.delivery.oldestQueuedAt),
        failed: report.delivery.failed,
        dead_lettered: report.delivery.deadLettered,
      },
    };
  }
}
