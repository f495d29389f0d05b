/**
 * Points for deals accepted through the bot: when a lead the bot made (an "Интересно") reaches
 * `accepted` — by the partner's outcome or the CRM's deal — its person earns `deal_accepted`, and,
 * when that person came through a referral, this first accepted deal earns the referrer
 * `referral_converted`, once. The deal use cases only queue a `deal_accepted` job
 * (`queueBotDealReward`); the quality-rating cron calls `rewardAcceptedDeal` again for every
 * accepted bot lead it finds, so a lost job is made good. Every earning has an idempotency key
 * naming its occurrence (`deal_accepted:<lead>`, `referral_converted:<referred person>`) and the
 * time of the lead's outcome, so replays change nothing.
 */
import { MESSAGES } from "../../domain/bot/messages";
import { isDomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { getPerson } from "../../storage/bot";
import { claimReferralConversion, findOfferByLead, markOfferAccepted } from "../../storage/bot-referrals";
import { findLead } from "../../storage/leads";
import { controlDb, shardOfId } from "../../storage/shards";
import { earnForEvent } from "../loyalty/ledger";
import type { BotReply } from "./replies";

export interface DealRewardOutcome {
  /** Points newly earned by the person whose lead was accepted, and by the referrer (0 on a replay or without a rule). */
  dealPoints: number;
  referralPoints: number;
  /** Messages to send: to the person and to the referrer, by their encrypted chat ids. */
  messages: Array<{ chatCipher: string; replies: BotReply[] }>;
}

/** Earns `event` under its rule; a replay, or the same occurrence earned under an older rule, earns nothing new. */
async function earnOnce(env: Env, input: Parameters<typeof earnForEvent>[1]): Promise<number> {
  try {
    const result = await earnForEvent(env, input);
    if (!result || result.replayed) return 0;
    return result.transfer?.entries.find((e) => e.points > 0)?.points ?? 0;
  } catch (error) {
    // The key was used with other content (the rule changed since): the occurrence was earned.
    if (isDomainError(error, "idempotency_mismatch")) return 0;
    throw error;
  }
}

/**
 * Rewards an accepted deal on a lead the bot made; null when the lead is not the bot's, its person
 * withdrew, or the lead is not (or no longer) accepted.
 */
export async function rewardAcceptedDeal(env: Env, leadId: string, now: number): Promise<DealRewardOutcome | null> {
  const control = controlDb(env);
  // The seam's binding type wants an index signature that the Env interface has not: narrow to a plain type.
  const bindings: Pick<Env, "DB"> = env;
  const shard = shardOfId(bindings, leadId);
  const offer = await findOfferByLead(control, leadId);
  if (!shard || !offer?.personId) return null;
  const [person, lead] = await Promise.all([getPerson(control, offer.personId), findLead(shard.db, leadId)]);
  if (!person || lead?.status !== "accepted") return null;
  // The outcome's time, not the job's: the same occurrence always carries the same operation.
  const at = lead.outcomeAt ?? lead.updatedAt;

  const outcome: DealRewardOutcome = { dealPoints: 0, referralPoints: 0, messages: [] };
  outcome.dealPoints = await earnOnce(env, {
    personId: person.id,
    event: "deal_accepted",
    key: `deal_accepted:${leadId}`,
    now: at,
  });
  await markOfferAccepted(control, offer.id, now);
  if (outcome.dealPoints > 0)
    outcome.messages.push({ chatCipher: person.chatCipher, replies: [{ text: MESSAGES.dealRewarded }] });

  const referral = await claimReferralConversion(control, person.id, leadId, now);
  const referrer = referral ? await getPerson(control, referral.referrerPersonId) : null;
  if (referrer) {
    outcome.referralPoints = await earnOnce(env, {
      personId: referrer.id,
      event: "referral_converted",
      key: `referral_converted:${person.id}`,
      now: at,
    });
    if (outcome.referralPoints > 0) {
      outcome.messages.push({ chatCipher: referrer.chatCipher, replies: [{ text: MESSAGES.referralRewarded }] });
    }
  }
  return outcome;
}

/**
 * Called by the deal use cases after an accepted deal on a lead is recorded: queues the reward when
 * the lead is the bot's. Never fails the deal: a lost job is made good by the cron (module comment).
 */
export async function queueBotDealReward(env: Env, leadId: string): Promise<void> {
  try {
    const offer = await findOfferByLead(controlDb(env), leadId);
    if (!offer?.personId) return;
    await env.BOT_WORK.send({ v: 1, type: "deal_accepted", leadId }, { contentType: "json" });
  } catch (error) {
    console.error(JSON.stringify({ event: "bot_deal_reward_not_queued", error: String(error) }));
  }
}
