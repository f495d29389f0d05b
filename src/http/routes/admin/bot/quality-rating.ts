import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { qualityRatingOf } from "../../../../usecases/bot/quality-ratings";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema } from "../schemas";

export const QualityRatingSchema = z
  .object({
    company_id: z.string(),
    ratings: z.number().int().min(0),
    mean_stars: z.number().min(1).max(5).nullable(),
  })
  .meta({ id: "BotQualityRating" });

/** `GET /v1/admin/companies/{id}/quality-rating` */
export class GetQualityRatingRoute extends ApiRoute {
  override schema = {
    operationId: "getBotQualityRating",
    tags: ["Admin: Telegram bot"],
    summary: "The company's quality rating: stars people gave in the bot after an accepted deal",
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": {
        description: "Mean stars (null before the first rating) and their count",
        ...contentJson(QualityRatingSchema),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return c.json(await qualityRatingOf(c.env, params.id));
  }
}
