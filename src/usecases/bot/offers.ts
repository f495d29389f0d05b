/**
 * The bot's offers: the same recommender as the CRM call rates the person's client, the same
 * thresholds decide, and only services with an admin's offer text in the person's language are
 * told, one at a time, within the frequency caps. Paused companies and inactive services are not
 * eligible (the serving path excludes them). Runs on the `bot-work` queue.
 */

import { offersAllowedNow } from "../../domain/bot/frequency";
import { MESSAGES, offerMessage } from "../../domain/bot/messages";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import {
  type BotPersonRow,
  getClientRow,
  getPerson,
  insertOffer,
  listOfferTexts,
  listPersonOffers,
} from "../../storage/bot";
import { activeNeedsOfClient } from "../../storage/client-needs";
import { getClientInteractions } from "../../storage/clients";
import { loadEffectiveSettings } from "../../storage/settings";
import { controlDb, shardOfId } from "../../storage/shards";
import { rateClient, storedClientForScoring } from "../recommendations/serving";
import { WITHDRAW_BUTTON } from "./consent";
import type { BotReply } from "./replies";

/** The language offers are told in (Russian first; other locales are stored for later). */
export const OFFER_LOCALE = "ru";
/** Offers sent per run: one at a time, the next after the person answers. */
const OFFERS_PER_RUN = 1;

export interface OffersToSend {
  person: BotPersonRow;
  replies: BotReply[];
}

/**
 * Chooses and records the next offers for a person; null when the person is gone (withdrew) or
 * has not finished the survey. An empty `replies` means the caps allow nothing now.
 */
export async function nextOffers(env: Env, personId: string, now: number): Promise<OffersToSend | null> {
  const db = controlDb(env);
  const person = await getPerson(db, personId);
  const shard = person?.clientId ? shardOfId(env, person.clientId) : null;
  if (person?.step !== "ready" || !person.clientId || !shard) return null;
  const [client, interactions, needs, history, texts, settings] = await Promise.all([
    getClientRow(shard.db, person.clientId),
    getClientInteractions({ shard: shard.db, control: db }, person.clientId),
    activeNeedsOfClient(shard.db, person.clientId, now),
    listPersonOffers(db, person.id),
    listOfferTexts(db, OFFER_LOCALE),
    loadEffectiveSettings(db),
  ]);
  if (!client) return null;
  const allowed = Math.min(
    OFFERS_PER_RUN,
    offersAllowedNow(
      history.map((o) => o.sentAt),
      now,
    ),
  );
  if (allowed === 0) return { person, replies: [] };
  const offered = new Set(history.map((o) => o.serviceId));
  const textByService = new Map(texts.map((t) => [t.serviceId, t.text]));
  // The survey's needs boost the services they point to (docs/recommender.md "Needs in the score").
  const rated = await rateClient(
    env,
    { ...storedClientForScoring(client, interactions), needs },
    { now, reasons: false },
  );
  const chosen = rated.recommendations
    .filter((r) => textByService.has(r.serviceId) && !offered.has(r.serviceId))
    .filter((r) => r.rating >= settings.minRating(r.serviceId).value)
    .slice(0, allowed);
  if (chosen.length === 0) return { person, replies: history.length === 0 ? [{ text: MESSAGES.noOffers }] : [] };
  const replies: BotReply[] = [];
  for (const service of chosen) {
    const offerId = newId("bo");
    await insertOffer(db, {
      id: offerId,
      personId: person.id,
      entryCompanyId: person.entryCompanyId,
      serviceId: service.serviceId,
      companyId: service.company.id,
      sentAt: now,
    });
    replies.push({
      text: offerMessage(textByService.get(service.serviceId)!, service.name, service.company.name),
      buttons: [
        [
          { text: MESSAGES.interestedButton, action: { kind: "interested", offerId } },
          { text: MESSAGES.notForMeButton, action: { kind: "not_for_me", offerId } },
        ],
        [WITHDRAW_BUTTON],
      ],
    });
  }
  return { person, replies };
}
