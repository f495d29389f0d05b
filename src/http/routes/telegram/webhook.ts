import { webhookCallback } from "grammy/web";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import type { AppEnv } from "../../../env";
import { timingSafeEqual } from "../../../lib/crypto";
import { createTelegramBot } from "../../../usecases/bot/telegram-bot";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";

export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** `POST /v1/telegram/webhook` — Telegram delivers the bot's updates here. */
export class TelegramWebhookRoute extends ApiRoute {
  override schema = {
    operationId: "receiveTelegramUpdate",
    tags: ["Telegram bot"],
    summary: "Receive a Telegram update (called by Telegram only)",
    description:
      "Telegram's webhook. The `X-Telegram-Bot-Api-Secret-Token` header must equal the `TELEGRAM_WEBHOOK_SECRET` " +
      "set with `npm run bot:set-webhook` (compared in constant time; otherwise 401 `unauthorized`). The body is a " +
      "Telegram `Update`; its `update_id` is recorded before anything else, so a re-sent update has no second " +
      "effect. Slow work (offers, leads) is queued; the answer is an empty 200. No bearer key.",
    security: [],
    request: { headers: z.object({ [TELEGRAM_SECRET_HEADER]: z.string().optional() }) },
    responses: {
      "200": { description: "The update was handled (or was a re-sent one and changed nothing)" },
      ...errorResponses(400, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const expected = c.env.TELEGRAM_WEBHOOK_SECRET;
    if (!expected || !c.env.TELEGRAM_BOT_TOKEN) {
      throw new DomainError("unavailable", "The Telegram bot is not configured on this deployment");
    }
    const presented = c.req.header(TELEGRAM_SECRET_HEADER) ?? "";
    if (!timingSafeEqual(presented, expected)) {
      throw new DomainError("unauthorized", "Missing or wrong X-Telegram-Bot-Api-Secret-Token");
    }
    return webhookCallback(createTelegramBot(c.env), "hono", { timeoutMilliseconds: 9_000 })(c);
  }
}
