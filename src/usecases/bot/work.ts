/**
 * The `bot-work` queue's jobs: send a person the next offers, turn an "Interested" into a lead, or
 * reward a deal accepted on a lead the bot made.
 * Replies go to the chat id decrypted here, in memory, for the call only.
 */
import type { Env } from "../../env";
import type { BotWorkMessage } from "../../queues/bot-work/message";
import { rewardAcceptedDeal } from "./deal-rewards";
import { openChatId } from "./identity";
import { expressInterest } from "./interest";
import { nextOffers } from "./offers";
import { sendReplies, telegramApi } from "./telegram-api";
import { queueBotWork } from "./telegram-bot";

export async function runBotWork(env: Env, message: BotWorkMessage, now = Date.now()): Promise<void> {
  const api = telegramApi(env);
  if (message.type === "send_offers") {
    const next = await nextOffers(env, message.personId, now);
    if (next && next.replies.length > 0)
      await sendReplies(api, await openChatId(env, next.person.chatCipher), next.replies);
    return;
  }
  if (message.type === "deal_accepted") {
    const rewarded = await rewardAcceptedDeal(env, message.leadId, now);
    for (const { chatCipher, replies } of rewarded?.messages ?? []) {
      await sendReplies(api, await openChatId(env, chatCipher), replies);
    }
    return;
  }
  const outcome = await expressInterest(env, message.offerId, now, queueBotWork(env));
  if (outcome && outcome.replies.length > 0)
    await sendReplies(api, await openChatId(env, outcome.chatCipher), outcome.replies);
}
