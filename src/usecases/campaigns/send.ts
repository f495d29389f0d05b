/**
 * Sends partner campaigns through the bot (cron, src/cron/scheduled.ts): each campaign in its
 * schedule tells its offer to the people of its audience who hold a live consent to partner offers,
 * once per person, within the campaign's cap per UTC day and the person's own frequency caps
 * (src/domain/bot/frequency.ts, shared with the bot's own offers). The campaign's and its company's
 * status are read again before every message, so pausing either stops the sends at once.
 */
import { campaignMaySend, campaignQuotaLeft } from "../../domain/audiences/campaign";
import { parseAudienceFilterKey } from "../../domain/audiences/filter";
import { CONSENT_PURPOSE } from "../../domain/bot/consent-notice";
import { offersAllowedNow } from "../../domain/bot/frequency";
import { MESSAGES, offerMessage } from "../../domain/bot/messages";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import { listConsentedBotPersons, matchingClientIds } from "../../storage/audiences";
import { getPerson, getServiceRow, insertOffer, listPersonOffers } from "../../storage/bot";
import {
  type CampaignRow,
  campaignSendState,
  countCampaignOffersSince,
  deleteOffer,
  listCampaignPersonIds,
  listCampaignsInSchedule,
} from "../../storage/campaigns";
import { getCompany } from "../../storage/companies";
import { controlDb, groupIdsByShard } from "../../storage/shards";
import { utcDayStart } from "../audiences/count";
import { criteriaOfStored } from "../audiences/resolve";
import { WITHDRAW_BUTTON } from "../bot/consent";
import { openChatId } from "../bot/identity";
import type { BotReply } from "../bot/replies";
import { sendReplies, telegramApi } from "../bot/telegram-api";

/** Messages one run sends at most, over every campaign: a cron tick stays within the Worker's limits. */
export const MAX_CAMPAIGN_SENDS_PER_RUN = 200;

export interface CampaignRunSummary {
  campaigns: number;
  sent: number;
  /** Persons skipped because their own frequency cap allowed nothing now. */
  capped: number;
  /** Campaigns whose sending stopped mid-run (paused, company paused, schedule over). */
  stopped: number;
  failed: number;
}

/** Sends one message to a chat; the Telegram Bot API by default. */
export type SendToChat = (chatId: number, reply: BotReply) => Promise<void>;

export async function runPartnerCampaigns(
  env: Env,
  now: number,
  options: { send?: SendToChat; maxSends?: number } = {},
): Promise<CampaignRunSummary> {
  const control = controlDb(env);
  const api = options.send ? null : telegramApi(env);
  const send: SendToChat = options.send ?? ((chatId, reply) => sendReplies(api!, chatId, [reply]));
  const summary: CampaignRunSummary = { campaigns: 0, sent: 0, capped: 0, stopped: 0, failed: 0 };
  // Without the bot's secrets nothing could be sent (a local run without a bot): leave the campaigns alone.
  if (!options.send && (!env.TELEGRAM_BOT_TOKEN || !env.BOT_ENCRYPTION_KEY)) return summary;
  const campaigns = await listCampaignsInSchedule(control, now);
  if (campaigns.length === 0) return summary;
  const consented = await listConsentedBotPersons(control, CONSENT_PURPOSE);
  let budget = options.maxSends ?? MAX_CAMPAIGN_SENDS_PER_RUN;
  for (const campaign of campaigns) {
    if (budget <= 0) break;
    summary.campaigns++;
    const sentToday = await countCampaignOffersSince(control, campaign.id, utcDayStart(now));
    const quota = Math.min(budget, campaignQuotaLeft(campaign.dailyCap, sentToday));
    if (quota === 0) continue;
    const outcome = await sendCampaign(env, campaign, consented, quota, now, send);
    summary.sent += outcome.sent;
    summary.capped += outcome.capped;
    summary.failed += outcome.failed;
    if (outcome.stopped) summary.stopped++;
    budget -= outcome.sent;
  }
  return summary;
}

async function sendCampaign(
  env: Env,
  campaign: CampaignRow,
  consented: ReadonlyArray<{ personId: string; clientId: string }>,
  quota: number,
  now: number,
  send: SendToChat,
): Promise<{ sent: number; capped: number; failed: number; stopped: boolean }> {
  const control = controlDb(env);
  const outcome = { sent: 0, capped: 0, failed: 0, stopped: false };
  const [reached, criteria, service, company] = await Promise.all([
    listCampaignPersonIds(control, campaign.id),
    criteriaOfStored(control, parseAudienceFilterKey(campaign.audience)),
    getServiceRow(control, campaign.serviceId),
    getCompany(control, campaign.companyId),
  ]);
  // A service its company withdrew (inactive) is not offered, by a campaign or otherwise.
  if (!service?.active || !company) return outcome;
  const waiting = consented.filter((p) => !reached.has(p.personId));
  const inAudience = new Set(
    (
      await Promise.all(
        [
          ...groupIdsByShard(
            env,
            waiting.map((p) => p.clientId),
          ),
        ].map(([shard, ids]) => matchingClientIds(shard.db, criteria, ids)),
      )
    ).flat(),
  );
  const recipients = waiting
    .filter((p) => inAudience.has(p.clientId))
    .sort((a, b) => (a.personId < b.personId ? -1 : 1));
  const text = offerMessage(campaign.text, service.name, company.name);
  for (const recipient of recipients) {
    // Failed attempts count too: an unreachable Telegram costs at most the quota's worth of tries.
    if (outcome.sent + outcome.failed >= quota) break;
    // Read again before every message: a pause of the campaign or of the company stops the sends here.
    const state = await campaignSendState(control, campaign.id);
    if (!state || !campaignMaySend(state, state.companyStatus, now)) {
      outcome.stopped = true;
      break;
    }
    const person = await getPerson(control, recipient.personId);
    if (!person) continue; // withdrew since the list was read
    const history = await listPersonOffers(control, person.id);
    if (
      offersAllowedNow(
        history.map((o) => o.sentAt),
        now,
      ) === 0
    ) {
      outcome.capped++;
      continue;
    }
    const offerId = newId("bo");
    await insertOffer(control, {
      id: offerId,
      personId: person.id,
      entryCompanyId: person.entryCompanyId,
      serviceId: service.id,
      companyId: company.id,
      sentAt: now,
      campaignId: campaign.id,
    });
    try {
      await send(await openChatId(env, person.chatCipher), {
        text,
        buttons: [
          [
            { text: MESSAGES.interestedButton, action: { kind: "interested", offerId } },
            { text: MESSAGES.notForMeButton, action: { kind: "not_for_me", offerId } },
          ],
          [WITHDRAW_BUTTON],
        ],
      });
      outcome.sent++;
    } catch (error) {
      // Not told: the offer is taken back (the person may be told in a later run, and is not counted as
      // reached); the failure (chat id unreadable, Telegram refused) is counted and logged.
      await deleteOffer(control, offerId);
      outcome.failed++;
      console.warn(JSON.stringify({ event: "campaign_send_failed", campaign: campaign.id, error: String(error) }));
    }
  }
  return outcome;
}
