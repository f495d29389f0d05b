import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import {
  EARN_EVENTS,
  listLoyaltyEarnRules,
  MAX_LIFETIME_DAYS,
  MAX_RULE_POINTS,
  putLoyaltyEarnRule,
} from "../../../../usecases/loyalty/earn-rules";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const EarnRuleSchema = z
  .object({
    event: z.enum(EARN_EVENTS),
    points: z.number().int(),
    lifetime_days: z.number().int(),
    active: z.boolean(),
    updated_at: z.string(),
    updated_by: z.string(),
  })
  .meta({ id: "LoyaltyEarnRule" });

/** `GET /v1/admin/bot/earn-rules` */
export class ListEarnRulesRoute extends ApiRoute {
  override schema = {
    operationId: "listLoyaltyEarnRules",
    tags: ["Admin: Telegram bot"],
    summary: "Loyalty earn rules: points per event",
    responses: {
      "200": { description: "Every rule set", ...contentJson(z.object({ items: z.array(EarnRuleSchema) })) },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    return c.json({ items: await listLoyaltyEarnRules(c.env) });
  }
}

/** `PUT /v1/admin/bot/earn-rules/{event}` */
export class PutEarnRuleRoute extends ApiRoute {
  override schema = {
    operationId: "putLoyaltyEarnRule",
    tags: ["Admin: Telegram bot"],
    summary: "Set how many points an event earns and how long they stay valid",
    description:
      "Events: `survey_completed` (the bot's survey, once per person), `deal_accepted` (a lead the bot made " +
      "reached `accepted`, once per lead), `referral_converted` (the referrer, once per referred person, after " +
      "that person's first accepted deal), `rating_given` (once per rating). Points expire `lifetime_days` after " +
      "they are earned, oldest first. `active: false` stops the event earning (docs/bot.md).",
    request: {
      params: z.object({ event: z.enum(EARN_EVENTS) }),
      body: {
        required: true,
        ...contentJson(
          z.strictObject({
            points: z.number().int().min(0).max(MAX_RULE_POINTS),
            lifetime_days: z.number().int().min(1).max(MAX_LIFETIME_DAYS),
            active: z.boolean().default(true),
          }),
        ),
      },
    },
    responses: {
      "200": { description: "The stored rule", ...contentJson(EarnRuleSchema) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    return c.json(
      await putLoyaltyEarnRule(c.env, {
        event: params.event,
        points: body.points,
        lifetimeDays: body.lifetime_days,
        active: body.active,
        actor: principal.keyId,
        now: Date.now(),
      }),
    );
  }
}
