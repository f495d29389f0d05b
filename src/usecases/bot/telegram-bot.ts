/**
 * The grammY bot of the webhook: records every `update_id` first (a re-sent update then has no
 * effect), then routes `/start`, `/stop`, the inline buttons and any other message to the use cases
 * and sends their replies. Slow work (offers, leads) is queued on `bot-work`. No handler logs an
 * update or a Telegram id.
 */

import type { UserFromGetMe } from "grammy/types";
import { Bot, type Context } from "grammy/web";
import { decodeAction } from "../../domain/bot/callbacks";
import { MESSAGES } from "../../domain/bot/messages";
import { parseReferralCode } from "../../domain/loyalty/referral-code";
import type { Env } from "../../env";
import type { BotWorkMessage } from "../../queues/bot-work/message";
import { findPersonByTelegramHash, recordUpdate } from "../../storage/bot";
import { controlDb } from "../../storage/shards";
import { redeemReward, showRewards } from "../loyalty/rewards";
import { agree, refuse, startConversation, withdraw } from "./consent";
import { personLookupHash, type TelegramUser } from "./identity";
import { answerOffer } from "./offer-answers";
import { rateQuality } from "./quality-ratings";
import { inviteFriend, typedReferralCode } from "./referrals";
import type { BotAnswer } from "./replies";
import { answerAge, finishSurvey, toggleInterest } from "./survey";
import { sendReplies, telegramClientOptions } from "./telegram-api";

/** `getMe` of the bot, asked once per isolate. */
let botInfo: UserFromGetMe | undefined;

function telegramUser(ctx: Context): TelegramUser | null {
  const userId = ctx.from?.id;
  const chatId = ctx.chat?.id ?? ctx.callbackQuery?.message?.chat.id;
  if (userId === undefined || chatId === undefined) return null;
  // Only private chats: in a group the chat is not the person's.
  if (ctx.chat && ctx.chat.type !== "private") return null;
  return { userId, chatId };
}

export function queueBotWork(env: Env) {
  return async (message: BotWorkMessage) => {
    await env.BOT_WORK.send(message, { contentType: "json" });
  };
}

/** A grammY bot wired to the use cases, for one webhook request. */
export function createTelegramBot(env: Env): Bot {
  const bot = new Bot(env.TELEGRAM_BOT_TOKEN, { botInfo, client: telegramClientOptions(env) });
  const enqueue = queueBotWork(env);
  const db = controlDb(env);

  bot.use(async (ctx, next) => {
    botInfo ??= ctx.me;
    if (!(await recordUpdate(db, ctx.update.update_id, Date.now()))) return;
    await next();
  });

  const reply = async (ctx: Context, result: BotAnswer) => {
    const user = telegramUser(ctx);
    if (ctx.callbackQuery) await ctx.answerCallbackQuery(result.toast ? { text: result.toast } : undefined);
    if (user) await sendReplies(ctx.api, user.chatId, result.replies);
  };

  bot.command("start", async (ctx) => {
    const user = telegramUser(ctx);
    if (user) await reply(ctx, await startConversation(env, user, ctx.match.trim(), Date.now()));
  });

  bot.command("stop", async (ctx) => {
    const user = telegramUser(ctx);
    if (user) await reply(ctx, await withdraw(env, user, Date.now()));
  });

  bot.command("rewards", async (ctx) => {
    const user = telegramUser(ctx);
    if (user) await reply(ctx, await showRewards(env, user));
  });

  bot.command("invite", async (ctx) => {
    const user = telegramUser(ctx);
    if (user) await reply(ctx, await inviteFriend(env, user, Date.now()));
  });

  bot.on("callback_query:data", async (ctx) => {
    const user = telegramUser(ctx);
    const action = decodeAction(ctx.callbackQuery.data);
    if (!user || !action) return ctx.answerCallbackQuery();
    const now = Date.now();
    switch (action.kind) {
      case "agree":
        return reply(ctx, await agree(env, user, action.payload, now));
      case "refuse":
        return reply(ctx, refuse());
      case "age":
        return reply(ctx, await answerAge(env, user, action.band, now));
      case "need":
        return reply(ctx, await toggleInterest(env, user, action.tag, now));
      case "needs_done":
        return reply(
          ctx,
          await finishSurvey(env, user, now, (personId) => enqueue({ v: 1, type: "send_offers", personId })),
        );
      case "interested":
      case "not_for_me":
        return reply(ctx, await answerOffer(env, user, action, now, enqueue));
      case "withdraw":
        return reply(ctx, await withdraw(env, user, now));
      case "rate":
        return reply(ctx, await rateQuality(env, user, action, now));
      case "redeem":
        return reply(ctx, await redeemReward(env, user, action.rewardId, now));
      case "invite":
        return reply(ctx, await inviteFriend(env, user, now));
    }
  });

  bot.on("message", async (ctx) => {
    const user = telegramUser(ctx);
    if (!user) return;
    // A friend's invitation code typed instead of opening its link (its check symbol refuses typos).
    const code = ctx.message.text ? parseReferralCode(ctx.message.text.trim()) : null;
    if (code) {
      const now = Date.now();
      return reply(
        ctx,
        await typedReferralCode(env, user, code, now, (payload) => startConversation(env, user, payload, now)),
      );
    }
    const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
    await reply(ctx, { replies: [{ text: person ? MESSAGES.help : MESSAGES.noEntry }] });
  });

  bot.catch((error) => {
    // The error, never the update: it carries Telegram ids.
    console.error(JSON.stringify({ event: "bot_update_failed", error: String(error.error) }));
  });
  return bot;
}
