/**
 * A Telegram person as the use cases see it: the keyed hash that finds the stored person, and
 * the chat id, only ever stored encrypted.
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { decryptText, encryptText, telegramIdHash } from "../../lib/crypto";

export interface TelegramUser {
  userId: number;
  chatId: number;
}

export function assertBotConfigured(env: Env): void {
  if (!env.PSEUDONYM_KEY || !env.BOT_ENCRYPTION_KEY || !env.TELEGRAM_BOT_TOKEN) {
    throw new DomainError("unavailable", "The Telegram bot is not configured on this deployment");
  }
}

export function personLookupHash(env: Env, user: TelegramUser): Promise<string> {
  return telegramIdHash(env.PSEUDONYM_KEY, user.userId);
}

export function sealChatId(env: Env, chatId: number): Promise<string> {
  return encryptText(env.BOT_ENCRYPTION_KEY, String(chatId));
}

export async function openChatId(env: Env, sealed: string): Promise<number> {
  return Number(await decryptText(env.BOT_ENCRYPTION_KEY, sealed));
}
