/**
 * The person's answer to an offer. "Interested" is recorded at once and the lead is created on the
 * `bot-work` queue (through the lead call's routing); "not for me" records the decline, as a
 * declined interaction of the client so the recommender learns it, and queues the next offer.
 */
import { MESSAGES } from "../../domain/bot/messages";
import type { Env } from "../../env";
import type { BotWorkMessage } from "../../queues/bot-work/message";
import {
  findPersonByTelegramHash,
  getClientRow,
  getOffer,
  getServiceRow,
  answerOffer as recordAnswer,
} from "../../storage/bot";
import { clientNeeds, upsertClientWithInteractions } from "../../storage/clients";
import { controlDb, shardOfId } from "../../storage/shards";
import { personLookupHash, type TelegramUser } from "./identity";
import { answer, type BotAnswer } from "./replies";

export async function answerOffer(
  env: Env,
  user: TelegramUser,
  action: { kind: "interested" | "not_for_me"; offerId: string },
  now: number,
  enqueue: (message: BotWorkMessage) => Promise<void>,
): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  const offer = await getOffer(db, action.offerId);
  if (!person || !offer || offer.personId !== person.id) return answer([]);
  const response = action.kind === "interested" ? "interested" : "declined";
  if (!(await recordAnswer(db, offer, response, now))) return answer([], MESSAGES.alreadyAnswered);
  if (response === "interested") {
    await enqueue({ v: 1, type: "express_interest", offerId: offer.id });
    return answer([]);
  }
  const shard = person.clientId ? shardOfId(env, person.clientId) : null;
  const client = person.clientId && shard ? await getClientRow(shard.db, person.clientId) : null;
  const service = await getServiceRow(db, offer.serviceId);
  if (client && service && shard) {
    await upsertClientWithInteractions(shard.db, {
      companyId: client.companyId,
      externalHash: client.externalHash,
      profile: {
        age: client.age,
        monthlyIncome: client.monthlyIncome,
        region: client.region,
        gender: client.gender,
        needs: clientNeeds(client),
      },
      interactions: [{ serviceId: service.id, modelIndex: service.modelIndex, value: -1 }],
      source: "bot",
      now,
    });
  }
  await enqueue({ v: 1, type: "send_offers", personId: person.id });
  return answer([{ text: MESSAGES.declined }]);
}
