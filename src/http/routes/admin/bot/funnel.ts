import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { botFunnel } from "../../../../usecases/bot/funnel";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema } from "../schemas";

const count = z.number().int().min(0);
export const BotFunnelSchema = z
  .object({
    company_id: z.string(),
    stages: z.object({
      entered: count,
      consented: count,
      surveyed: count,
      offered: count,
      interested: count,
      deals: count,
      withdrawn: count,
    }),
  })
  .meta({ id: "BotFunnel" });

/** `GET /v1/admin/companies/{id}/bot-funnel` */
export class GetBotFunnelRoute extends ApiRoute {
  override schema = {
    operationId: "getBotFunnel",
    tags: ["Admin: Telegram bot"],
    summary: "The aggregate bot funnel of people who came in through the company's QR code or links",
    description: "Counts only (never a person): entered, consented, surveyed, offered, interested, deals, withdrawn.",
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": { description: "The funnel", ...contentJson(BotFunnelSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return c.json(await botFunnel(c.env, params.id));
  }
}
