import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { OFFER_LOCALES, OFFER_TEXT_MAX_LENGTH } from "../../../../domain/bot/offer-text";
import type { AppEnv } from "../../../../env";
import { deleteBotOfferText, listBotOfferTexts, putBotOfferText } from "../../../../usecases/bot/offer-texts";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const OfferTextSchema = z
  .object({
    service: z.string(),
    locale: z.enum(OFFER_LOCALES),
    text: z.string(),
    updated_at: z.string(),
    updated_by: z.string(),
  })
  .meta({ id: "BotOfferText" });

const params = z.object({ service: z.string().min(1).max(64), locale: z.enum(OFFER_LOCALES) });

/** `GET /v1/admin/bot/offer-texts` */
export class ListOfferTextsRoute extends ApiRoute {
  override schema = {
    operationId: "listBotOfferTexts",
    tags: ["Admin: Telegram bot"],
    summary: "Offer texts the bot tells, per service and locale",
    request: { query: z.object({ locale: z.enum(OFFER_LOCALES).optional() }) },
    responses: {
      "200": { description: "Every offer text", ...contentJson(z.object({ items: z.array(OfferTextSchema) })) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    return c.json({ items: await listBotOfferTexts(c.env, query.locale) });
  }
}

/** `PUT /v1/admin/bot/offer-texts/{service}/{locale}` */
export class PutOfferTextRoute extends ApiRoute {
  override schema = {
    operationId: "putBotOfferText",
    tags: ["Admin: Telegram bot"],
    summary: "Set the offer text of a service in a locale (Russian first)",
    description:
      "Shown to people as written, signed with the service's and company's names: no templating, so no profile " +
      "value can ever appear in it. A text that speaks of a person's finances (income, salary, balances, holdings) " +
      "or holds `{ } < >` is refused with `validation_failed`, each problem named. Only services with a `ru` text " +
      "are offered by the bot.",
    request: {
      params,
      body: {
        required: true,
        ...contentJson(z.strictObject({ text: z.string().min(1).max(OFFER_TEXT_MAX_LENGTH) })),
      },
    },
    responses: {
      "200": { description: "The stored text", ...contentJson(OfferTextSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params: p, body } = await this.getValidatedData<typeof this.schema>();
    return c.json(
      await putBotOfferText(c.env, {
        serviceCode: p.service,
        locale: p.locale,
        text: body.text,
        actor: principal.keyId,
        now: Date.now(),
      }),
    );
  }
}

/** `DELETE /v1/admin/bot/offer-texts/{service}/{locale}` */
export class DeleteOfferTextRoute extends ApiRoute {
  override schema = {
    operationId: "deleteBotOfferText",
    tags: ["Admin: Telegram bot"],
    summary: "Remove an offer text (the bot stops offering the service in that locale)",
    request: { params },
    responses: { "204": { description: "Removed" }, ...errorResponses(400, 403, 404) },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params: p } = await this.getValidatedData<typeof this.schema>();
    await deleteBotOfferText(c.env, p.service, p.locale);
    return c.body(null, 204);
  }
}
