/**
 * "Interested": the lead for the offered service, created through the lead call's routing.
 * (Pending: the lead call is being extracted into src/usecases/lead-call; this module calls it once
 * that lands. Until then the job fails and is retried, and no lead is created.)
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import type { BotWorkMessage } from "../../queues/bot-work/message";
import type { BotReply } from "./replies";

export async function expressInterest(
  _env: Env,
  _offerId: string,
  _now: number,
  _enqueue: (message: BotWorkMessage) => Promise<void>,
): Promise<{ chatCipher: string; replies: BotReply[] } | null> {
  throw new DomainError("unavailable", "Lead creation from the bot waits for the lead-call use case");
}
