/**
 * "Interested": the lead for the offered service, made by the lead call's own steps — the same
 * serving model and rating, the same decisions (threshold, duplicates and exclusivity, experiment
 * holdouts, paused companies and caps, competition between companies) and the same packaging,
 * write and delivery queue. Only the offered service is considered: the person asked for it, and
 * for nothing else. The client is the person's pseudonymous client; the entry company is the source.
 * A partner campaign's offer skips only the rating threshold (see `withoutRatingThreshold`).
 */
import { MESSAGES } from "../../domain/bot/messages";
import { MAX_EXCLUSIVITY_WINDOW_MS } from "../../domain/settings";
import type { Env } from "../../env";
import type { BotWorkMessage } from "../../queues/bot-work/message";
import { buildScoredCandidateInserts } from "../../storage/analytics";
import { getClientRow, getOffer, getPerson, offerLeadStatement } from "../../storage/bot";
import { stageRollupIncrements } from "../../storage/candidate-rollups";
import { clientNeeds, type StoredCell } from "../../storage/clients";
import { type LeadContext, loadLeadContext } from "../../storage/lead-context";
import { buildLeadInserts, enqueueLeads } from "../../storage/leads";
import { clientShards, controlDb, shardOfId } from "../../storage/shards";
import { controlCacheTtlMs } from "../lead-call/control-cache";
import { decideLeads } from "../lead-call/decide";
import { packageLeads, rollupIncrements, scoredCandidateRows } from "../lead-call/packaging";
import { rateStoredClient } from "../lead-call/rating";
import { currentServingModel } from "../recommendations/serving";
import type { BotReply } from "./replies";

export interface InterestOutcome {
  chatCipher: string;
  replies: BotReply[];
  leadId: string | null;
}

/**
 * Creates the lead of an offer the person said "Interested" to; null when there is nothing to do
 * (the person withdrew, or a retried job finds the lead made already).
 */
export async function expressInterest(
  env: Env,
  offerId: string,
  now: number,
  enqueue: (message: BotWorkMessage) => Promise<void>,
): Promise<InterestOutcome | null> {
  const db = controlDb(env);
  const offer = await getOffer(db, offerId);
  if (!offer?.personId || offer.response !== "interested" || offer.leadId) return null;
  const person = await getPerson(db, offer.personId);
  const shard = person?.clientId ? shardOfId(env, person.clientId) : null;
  const client = person?.clientId && shard ? await getClientRow(shard.db, person.clientId) : null;
  if (!person || !client || !shard) return null;

  const [context, serving] = await Promise.all([
    loadLeadContext(
      { control: env.DB, clientShard: shard.d1, allShards: clientShards(env).map((each) => each.d1) },
      {
        companyId: client.companyId,
        externalHash: client.externalHash,
        now,
        lookbackMs: MAX_EXCLUSIVITY_WINDOW_MS,
        controlTtlMs: controlCacheTtlMs(env),
      },
    ),
    currentServingModel(env, now),
  ]);
  const state = context.clientState;
  const cells: StoredCell[] = [...(state?.cells ?? new Map<string, number>())].map(([serviceId, value]) => ({
    serviceId,
    value: value === 1 ? 1 : -1,
    at: state?.cellTimes?.get(serviceId) ?? now,
  }));
  const rated = rateStoredClient(serving, { client, cells, context, now });
  const offered = rated.services.filter((service) => service.serviceId === offer.serviceId);
  const selection = decideLeads(
    offer.campaignId ? withoutRatingThreshold(context) : context,
    client.id,
    offered,
    client.companyId,
    cells,
    now,
  );
  const packaging = {
    pseudonymKey: env.PSEUDONYM_KEY,
    context,
    outcomes: selection.outcomes,
    rated,
    clientId: client.id,
    profile: {
      age: client.age,
      monthlyIncome: client.monthlyIncome,
      region: client.region,
      gender: client.gender,
      needs: clientNeeds(client),
    },
    sourceCompanyId: client.companyId,
    now,
  };
  const newLeads = await packageLeads(packaging);
  const lead = newLeads[0] ?? null;
  const statements = [
    ...buildLeadInserts(shard.db, newLeads),
    ...buildScoredCandidateInserts(shard.db, scoredCandidateRows(packaging, newLeads)),
    ...stageRollupIncrements(shard.db, rollupIncrements(packaging)),
  ];
  if (statements.length > 0) {
    await shard.db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  }
  if (lead) {
    // The lead lives in the client's shard, the offer in the control database: two writes. Should this
    // one fail, the retried job finds the client's open lead and the exclusivity rules create no second.
    await offerLeadStatement(db, offer.id, lead.document.lead_id);
    const enqueued = await enqueueLeads(env, [lead.document.lead_id]);
    if (enqueued.pending.length > 0) console.warn(JSON.stringify({ event: "lead_enqueue_deferred", leads: 1 }));
  }
  await enqueue({ v: 1, type: "send_offers", personId: person.id });
  const companyName = lead ? lead.document.target_company.name : null;
  return {
    chatCipher: person.chatCipher,
    leadId: lead?.document.lead_id ?? null,
    replies: [{ text: companyName ? MESSAGES.interested(companyName) : MESSAGES.interestNotRouted }],
  };
}

/**
 * A partner campaign's offer was chosen by the partner's audience, not by the model's rating, and the
 * person asked for it: its lead is not held to the rating threshold. Every other decision (duplicates
 * and exclusivity, experiment holdouts, paused companies and caps, competition) still applies.
 */
function withoutRatingThreshold(context: LeadContext): LeadContext {
  const noThreshold = Object.freeze({ value: 0, source: "default" as const });
  return { ...context, settings: { ...context.settings, minRating: () => noThreshold } };
}
