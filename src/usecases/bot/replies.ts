/**
 * What a use case of the bot answers: messages to send, each with optional inline buttons, and
 * the toast of a pressed button. The grammY wiring (telegram-bot.ts) and the queue consumer send
 * them; the use cases never talk to Telegram themselves.
 */
import type { BotAction } from "../../domain/bot/callbacks";

export interface BotButton {
  text: string;
  action: BotAction;
}

export interface BotReply {
  text: string;
  /** Rows of inline buttons. */
  buttons?: BotButton[][];
}

export interface BotAnswer {
  replies: BotReply[];
  /** Short notice shown on the pressed button (callback queries only). */
  toast?: string;
}

export const answer = (replies: BotReply[], toast?: string): BotAnswer => ({ replies, ...(toast ? { toast } : {}) });
