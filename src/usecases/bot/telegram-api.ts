/**
 * The Telegram Bot API client of the Worker (grammY's `Api`), rooted at `TELEGRAM_API_ROOT` so tests
 * and local runs talk to a fake API, and the rendering of a use case's replies into API calls.
 */
import { Api, InlineKeyboard } from "grammy/web";
import { encodeAction } from "../../domain/bot/callbacks";
import type { Env } from "../../env";
import type { BotReply } from "./replies";

export const DEFAULT_TELEGRAM_API_ROOT = "https://api.telegram.org";

export function telegramClientOptions(env: Env) {
  return { apiRoot: env.TELEGRAM_API_ROOT || DEFAULT_TELEGRAM_API_ROOT };
}

export function telegramApi(env: Env): Api {
  return new Api(env.TELEGRAM_BOT_TOKEN, telegramClientOptions(env));
}

export function replyMarkup(reply: BotReply): InlineKeyboard | undefined {
  if (!reply.buttons || reply.buttons.length === 0) return undefined;
  return InlineKeyboard.from(
    reply.buttons.map((row) => row.map((button) => InlineKeyboard.text(button.text, encodeAction(button.action)))),
  );
}

/** Sends replies in order to one chat. */
export async function sendReplies(api: Api, chatId: number, replies: readonly BotReply[]): Promise<void> {
  for (const reply of replies) {
    const markup = replyMarkup(reply);
    await api.sendMessage(chatId, reply.text, markup ? { reply_markup: markup } : {});
  }
}
