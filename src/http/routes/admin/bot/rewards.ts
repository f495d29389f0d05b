import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { listRewardViews, publishReward, REWARD_KINDS, withdrawReward } from "../../../../usecases/loyalty/rewards";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";

export const RewardSchema = z
  .object({
    id: z.string(),
    company_id: z.string(),
    kind: z.enum(REWARD_KINDS),
    title: z.string(),
    cost_points: z.number().int(),
    active: z.boolean(),
  })
  .meta({ id: "LoyaltyReward" });

/** `POST /v1/admin/bot/rewards` */
export class CreateRewardRoute extends ApiRoute {
  override schema = {
    operationId: "createLoyaltyReward",
    tags: ["Admin: Telegram bot"],
    summary: "Publish a company's reward for points",
    description:
      "A discount code, bundle or cashback entitlement the company grants for points (the company pays; the " +
      "platform records the redemption). People see it with `/rewards` in the bot. The title follows the offer-text " +
      "rules (no words about a person's finances).",
    request: {
      body: {
        required: true,
        ...contentJson(
          z.strictObject({
            company_id: z.string().min(1).max(64),
            kind: z.enum(REWARD_KINDS),
            title: z.string().min(1).max(80),
            cost_points: z.number().int().min(1).max(1_000_000),
          }),
        ),
      },
    },
    responses: {
      "201": { description: "The reward", ...contentJson(RewardSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const reward = await publishReward(c.env, {
      companyId: body.company_id,
      kind: body.kind,
      title: body.title,
      costPoints: body.cost_points,
      now: Date.now(),
    });
    return c.json(reward, 201);
  }
}

/** `GET /v1/admin/bot/rewards` */
export class ListRewardsRoute extends ApiRoute {
  override schema = {
    operationId: "listLoyaltyRewards",
    tags: ["Admin: Telegram bot"],
    summary: "Every published reward",
    responses: {
      "200": { description: "The rewards", ...contentJson(z.object({ items: z.array(RewardSchema) })) },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    return c.json({ items: await listRewardViews(c.env) });
  }
}

/** `DELETE /v1/admin/bot/rewards/{id}` */
export class WithdrawRewardRoute extends ApiRoute {
  override schema = {
    operationId: "withdrawLoyaltyReward",
    tags: ["Admin: Telegram bot"],
    summary: "Withdraw a reward (it stays on record, inactive)",
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { "204": { description: "Withdrawn" }, ...errorResponses(400, 403, 404) },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    await withdrawReward(c.env, params.id, Date.now());
    return c.body(null, 204);
  }
}
