import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { GUARD_LOOKBACK_DAYS } from "../../../domain/audiences/disclosure";
import { audienceFilterSchema } from "../../../domain/audiences/filter";
import type { AppEnv } from "../../../env";
import { AUDIENCE_CHANNELS, countPartnerAudience } from "../../../usecases/audiences/count";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";

export const audienceCountSchema = z
  .object({
    matching: z
      .int()
      .nullable()
      .describe("Clients matching the filter, rounded to 10 with deterministic noise; null when suppressed"),
    suppressed: z.boolean().describe("True when fewer than k clients match: no count is shown"),
    channels: z.array(
      z.object({
        channel: z.enum(AUDIENCE_CHANNELS).describe("`bot`: the Telegram bot"),
        reachable: z
          .int()
          .nullable()
          .describe(
            "Matching people reachable through the channel who consented to offers from partners (rounded, " +
              "with noise); null below k",
          ),
      }),
    ),
  })
  .meta({ id: "AudienceCount" });

function countRoute(operationId: string) {
  return class extends ApiRoute {
    override schema = {
      operationId,
      tags: ["Partner audiences"],
      summary: "Count an audience (counts only, never people)",
      description:
        "How many clients match fixed-bucket filters (values from `GET /v1/vocabularies`; any value of a dimension, " +
        "every dimension given) and how many of them the bot may reach with a partner's offer. Counts below k " +
        "(setting `audience_min_group`, default 100, never below 50) are suppressed; shown counts are rounded to 10 " +
        "with noise fixed per partner, query and UTC day (the same query gets the same answer). A query whose " +
        `audience differs from one of the partner's answered queries of the last ${GUARD_LOOKBACK_DAYS} days by ` +
        "fewer than k clients is refused (409 `audience_too_close`), and each partner has a daily query budget " +
        "(setting `audience_daily_queries`, default 50; 429 `audience_budget_exhausted`). Every query counts " +
        "against the budget. docs/privacy.md, “Partner audiences”. Also served at `/v1/partner/audiences/count`.",
      request: { body: contentJson(audienceFilterSchema) },
      responses: {
        "200": { description: "The counts", ...contentJson(audienceCountSchema) },
        ...errorResponses(400, 403, 409, 422, 429),
      },
    };

    override async handle(c: Context<AppEnv>) {
      const { companyId } = requireCompanyScope(c, "partner");
      const { body } = await this.getValidatedData<typeof this.schema>();
      return countPartnerAudience(c.env, companyId, body, Date.now());
    }
  };
}

/** `POST /v1/partner/audiences:count`. */
export const CountAudienceRoute = countRoute("countPartnerAudience");
/** The same at `POST /v1/partner/audiences/count`, for clients that cannot send a colon in a path. */
export const CountAudienceSlashRoute = countRoute("countPartnerAudienceSlashPath");
