import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { botEntryLink } from "../../../../usecases/bot/entry";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema } from "../schemas";

export const BotEntrySchema = z
  .object({
    deep_link: z.string().describe("`https://t.me/<bot>?start=<start_payload>`"),
    start_payload: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/)
      .describe("Names the company (and campaign) under an HMAC: it cannot be forged or altered"),
    qr_svg: z.string().describe("The deep link as a QR code (SVG document)"),
  })
  .meta({ id: "BotEntry" });

/** `GET /v1/admin/companies/{id}/bot-entry` */
export class GetBotEntryRoute extends ApiRoute {
  override schema = {
    operationId: "getBotEntry",
    tags: ["Admin: Telegram bot"],
    summary: "The company's deep link and QR code into the Telegram bot",
    description:
      "People who scan the QR code land in the bot, which shows the consent notice first. The optional `campaign` " +
      "(1–16 of A-Z a-z 0-9) is carried in the payload for the funnel. The same input gives the same link.",
    request: {
      params: z.object({ id: companyIdSchema }),
      query: z.object({ campaign: z.string().optional() }),
    },
    responses: {
      "200": { description: "The deep link, its start payload and the QR code", ...contentJson(BotEntrySchema) },
      ...errorResponses(400, 403, 404, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params, query } = await this.getValidatedData<typeof this.schema>();
    return c.json(await botEntryLink(c.env, params.id, query.campaign ?? null));
  }
}
