import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { MAX_REFERRAL_MAX_USES } from "../../../../domain/loyalty/referral-code";
import type { AppEnv } from "../../../../env";
import { setReferralCodeLimit } from "../../../../usecases/bot/referrals";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const ReferralCodeSchema = z
  .object({
    code: z.string().meta({ description: "The canonical code: 8 Crockford base32 symbols and the check symbol" }),
    uses: z.number().int().meta({ description: "People who entered through it so far (withdrawals do not lower it)" }),
    max_uses: z.number().int(),
  })
  .meta({ id: "BotReferralCode" });

/** `PUT /v1/admin/bot/referral-codes/{code}` */
export class PutReferralCodeLimitRoute extends ApiRoute {
  override schema = {
    operationId: "putBotReferralCodeLimit",
    tags: ["Admin: Telegram bot"],
    summary: "Set how many people one referral code may bring in",
    description:
      "Every code starts with the default limit (5). A code at its limit is refused to newcomers; `max_uses: 0` " +
      "stops a code. The code is read as Crockford base32 (case, hyphens, I/L → 1 and O → 0 are forgiven); a " +
      "code whose check symbol does not match is 400.",
    request: {
      params: z.object({ code: z.string().max(32) }),
      body: {
        required: true,
        ...contentJson(z.strictObject({ max_uses: z.number().int().min(0).max(MAX_REFERRAL_MAX_USES) })),
      },
    },
    responses: {
      "200": { description: "The code with its new limit", ...contentJson(ReferralCodeSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    return c.json(await setReferralCodeLimit(c.env, params.code, body.max_uses, Date.now()));
  }
}
