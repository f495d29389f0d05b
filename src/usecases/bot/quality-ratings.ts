/**
 * Quality ratings: once a lead the bot made ends in an accepted deal, the bot asks the person for
 * 1–5 stars for the company (once per offer; run from the cron). The stars earn the
 * `rating_given` points and make the company's rating, which admins see and the `quality` routing
 * strategy uses.
 */
import { MESSAGES } from "../../domain/bot/messages";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import {
  companyQualityRating,
  findPersonByTelegramHash,
  getOffer,
  getPerson,
  listUnratedOfferLeads,
  markRatingAsked,
  recordRating,
} from "../../storage/bot";
import { getCompany } from "../../storage/companies";
import { acceptedLeadIds } from "../../storage/leads";
import { controlDb, groupIdsByShard } from "../../storage/shards";
import { earnForEvent } from "../loyalty/ledger";
import { rewardAcceptedDeal } from "./deal-rewards";
import { openChatId, personLookupHash, type TelegramUser } from "./identity";
import { answer, type BotAnswer } from "./replies";
import { sendReplies, telegramApi } from "./telegram-api";

/** Persons asked per cron run (Telegram allows ~30 messages a second per bot). */
const ASKS_PER_RUN = 50;
/** Recent unrated offers with a lead examined per run (older ones are not asked about any more). */
const RATING_CANDIDATES_PER_RUN = 1000;

export async function askForQualityRatings(env: Env, now: number): Promise<{ asked: number }> {
  if (!env.TELEGRAM_BOT_TOKEN || !env.BOT_ENCRYPTION_KEY) return { asked: 0 };
  const db = controlDb(env);
  const api = telegramApi(env);
  let asked = 0;
  // Offers whose lead ended accepted: the offers are here, the leads' outcomes in the shards.
  const candidates = await listUnratedOfferLeads(db, RATING_CANDIDATES_PER_RUN);
  const acceptedPerShard = await Promise.all(
    [
      ...groupIdsByShard(
        env,
        candidates.map((offer) => offer.leadId),
      ),
    ].map(([shard, ids]) => acceptedLeadIds(shard.db, ids)),
  );
  const accepted = new Set(acceptedPerShard.flatMap((ids) => [...ids]));
  const toRate = candidates.filter((offer) => accepted.has(offer.leadId)).slice(0, ASKS_PER_RUN);
  for (const offer of toRate) {
    const person = offer.personId ? await getPerson(db, offer.personId) : null;
    if (!person || !(await markRatingAsked(db, offer.offerId, offer.companyId, now))) continue;
    // Makes good a `deal_accepted` job that was lost (idempotent: a rewarded deal earns nothing again).
    if (offer.leadId) {
      const rewarded = await rewardAcceptedDeal(env, offer.leadId, now);
      for (const message of rewarded?.messages ?? []) {
        await sendReplies(api, await openChatId(env, message.chatCipher), message.replies);
      }
    }
    await sendReplies(api, await openChatId(env, person.chatCipher), [
      {
        text: MESSAGES.askRating(offer.companyName),
        buttons: [
          [1, 2, 3, 4, 5].map((stars) => ({
            text: "★".repeat(stars),
            action: { kind: "rate", offerId: offer.offerId, stars },
          })),
        ],
      },
    ]);
    asked++;
  }
  return { asked };
}

export async function rateQuality(
  env: Env,
  user: TelegramUser,
  action: { offerId: string; stars: number },
  now: number,
): Promise<BotAnswer> {
  const db = controlDb(env);
  const person = await findPersonByTelegramHash(db, await personLookupHash(env, user));
  const offer = await getOffer(db, action.offerId);
  if (!person || offer?.personId !== person.id) return answer([]);
  if (!(await recordRating(db, offer.id, action.stars, now))) return answer([], MESSAGES.alreadyAnswered);
  await earnForEvent(env, { personId: person.id, event: "rating_given", key: `rating:${offer.id}`, now });
  return answer([], MESSAGES.thanksForRating);
}

/** `GET /v1/admin/companies/{id}/quality-rating`. @throws DomainError not_found */
export async function qualityRatingOf(env: Env, companyId: string) {
  const db = controlDb(env);
  if (!(await getCompany(db, companyId))) throw new DomainError("not_found", `Company ${companyId} not found`);
  const { count, mean } = await companyQualityRating(db, companyId);
  return { company_id: companyId, ratings: count, mean_stars: mean === null ? null : Math.round(mean * 100) / 100 };
}
