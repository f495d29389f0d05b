import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { findPersonalDataInIdentifier, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { createBotLink } from "../../../usecases/bot/crm-link";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";

export const BotLinkSchema = z
  .object({
    deep_link: z.string(),
    start_payload: z.string().max(64),
    expires_at: z.string().describe("The link works once, until this time (7 days)"),
  })
  .meta({ id: "BotLink" });

/** `POST /v1/clients/{external_id}/bot-link` */
export class CreateBotLinkRoute extends ApiRoute {
  override schema = {
    operationId: "createBotLink",
    tags: ["Clients"],
    summary: "A one-time deep link into the Telegram bot for one of the CRM's clients",
    description:
      "Hand the link to the client (e.g. in the bank's app). Whoever opens it sees the consent notice; after " +
      '"I agree" the bot profile and this CRM client are one pseudonymous client, so the bot\'s offers use the ' +
      "CRM's profile. The link works once and for 7 days; only its hash is stored. Needs `crm` scope.",
    request: { params: z.object({ external_id: externalIdSchema }) },
    responses: {
      "201": { description: "The link", ...contentJson(BotLinkSchema) },
      ...errorResponses(400, 403, 404, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "crm");
    const raw = c.req.param("external_id") ?? "";
    const findings = findPersonalDataInIdentifier(raw, ["params", "external_id"]);
    if (findings.length > 0) throw personalDataError(findings);
    const { params } = await this.getValidatedData<typeof this.schema>();
    return c.json(await createBotLink(c.env, companyId, params.external_id, Date.now()), 201);
  }
}
