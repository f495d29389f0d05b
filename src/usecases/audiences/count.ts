/**
 * `POST /v1/partner/audiences:count`: how many clients match a fixed-bucket filter and how many of
 * them the bot may reach with a partner's offer, with the guarantees of docs/privacy.md "Partner
 * audiences": suppression below k, rounding and keyed deterministic noise, the differencing guard
 * over the partner's last 90 days, and a daily query budget. Counting fans out over the client
 * shards; only counts come back from them.
 */

import {
  GUARD_LOOKBACK_DAYS,
  isTooClose,
  mayBeTooClose,
  noiseFromSeed,
  symmetricDifference,
  visibleCount,
} from "../../domain/audiences/disclosure";
import { type AudienceFilterInput, audienceFilterKey, parseAudienceFilterKey } from "../../domain/audiences/filter";
import { CONSENT_PURPOSE } from "../../domain/bot/consent-notice";
import { DomainError } from "../../domain/errors";
import { DAY_MS } from "../../domain/time";
import type { Env } from "../../env";
import { hmacSha256Hex } from "../../lib/crypto";
import {
  type AudienceCriteria,
  type AudienceQueryOutcome,
  countAudience,
  countAudienceQueriesSince,
  countOverlap,
  insertAudienceQuery,
  listAnsweredAudienceQueries,
  listConsentedBotPersons,
} from "../../storage/audiences";
import { loadEffectiveSettings } from "../../storage/settings";
import { type ClientShard, clientShards, controlDb, groupIdsByShard } from "../../storage/shards";
import { criteriaOfStored, resolveAudience } from "./resolve";

/** The channels an audience can be reached through (the Telegram bot only, for now). */
export const AUDIENCE_CHANNELS = ["bot"] as const;
export type AudienceChannel = (typeof AUDIENCE_CHANNELS)[number];

export interface AudienceCount {
  matching: number | null;
  suppressed: boolean;
  channels: Array<{ channel: AudienceChannel; reachable: number | null }>;
}

/** Start of the UTC day of `now` (the budget's day and the noise's data day). */
export function utcDayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** The reachable client ids of every shard: bot persons with a live consent to partner offers. */
export async function reachableIdsByShard(env: Env): Promise<Map<ClientShard, string[]>> {
  const persons = await listConsentedBotPersons(controlDb(env), CONSENT_PURPOSE);
  return groupIdsByShard(
    env,
    persons.map((p) => p.clientId),
  );
}

/** True counts of an audience over every shard. */
export async function countAcrossShards(
  env: Env,
  criteria: AudienceCriteria,
  reachable: Map<ClientShard, string[]>,
): Promise<{ matching: number; reachable: number }> {
  const parts = await Promise.all(
    clientShards(env).map((shard) => countAudience(shard.db, criteria, reachable.get(shard) ?? [])),
  );
  return parts.reduce((sum, p) => ({ matching: sum.matching + p.matching, reachable: sum.reachable + p.reachable }), {
    matching: 0,
    reachable: 0,
  });
}

/** Refuses with 429 `audience_budget_exhausted` when the partner spent its audience queries of the UTC day. */
export async function assertAudienceBudget(env: Env, companyId: string, budget: number, now: number): Promise<void> {
  const dayStart = utcDayStart(now);
  const used = await countAudienceQueriesSince(controlDb(env), companyId, dayStart);
  if (used >= budget) {
    throw new DomainError(
      "audience_budget_exhausted",
      `The daily budget of ${budget} audience queries is spent; it renews at 00:00 UTC`,
      undefined,
      { retryAfterSeconds: Math.ceil((dayStart + DAY_MS - now) / 1000) },
    );
  }
}

async function noiseSeed(env: Env, message: string): Promise<number> {
  const key = await hmacSha256Hex(env.PSEUDONYM_KEY, "audience-noise-key");
  return Number.parseInt((await hmacSha256Hex(key, message)).slice(0, 8), 16);
}

export async function countPartnerAudience(
  env: Env,
  companyId: string,
  input: AudienceFilterInput,
  now: number,
): Promise<AudienceCount> {
  const control = controlDb(env);
  const [settings, resolved] = await Promise.all([
    loadEffectiveSettings(control),
    resolveAudience(control, input, ["body"]),
  ]);
  const k = settings.audienceMinGroup.value;
  const dayStart = utcDayStart(now);
  await assertAudienceBudget(env, companyId, settings.audienceDailyQueries(companyId).value, now);
  const filterKey = audienceFilterKey(resolved.filter);
  const reachable = await reachableIdsByShard(env);
  const answered = await listAnsweredAudienceQueries(control, companyId, now - GUARD_LOOKBACK_DAYS * DAY_MS);
  // The same query asked again the same day is answered from the same true counts: same answer.
  const sameToday = answered.find((q) => q.filter === filterKey && q.createdAt >= dayStart);
  const counts = sameToday
    ? { matching: sameToday.trueCount, reachable: sameToday.trueReachable }
    : await countAcrossShards(env, resolved.criteria, reachable);

  const record = (outcome: AudienceQueryOutcome) =>
    insertAudienceQuery(control, {
      companyId,
      filter: filterKey,
      trueCount: counts.matching,
      trueReachable: counts.reachable,
      outcome,
      createdAt: now,
    });

  if (counts.matching < k) {
    await record("suppressed");
    return {
      matching: null,
      suppressed: true,
      channels: AUDIENCE_CHANNELS.map((channel) => ({ channel, reachable: null })),
    };
  }
  if (!sameToday) {
    const close = await differsTooLittle(env, resolved.criteria, counts, filterKey, answered, reachable, k);
    if (close) {
      await record("too_close");
      throw new DomainError(
        "audience_too_close",
        `This audience differs from one of your audience queries of the last ${GUARD_LOOKBACK_DAYS} days by fewer ` +
          `than ${k} clients; counting it would reveal that small group. Ask for a broader or a clearly different audience.`,
        ["body"],
      );
    }
  }
  await record("answered");
  const day = new Date(dayStart).toISOString().slice(0, 10);
  const seedOf = (what: string) => noiseSeed(env, `${companyId}\n${filterKey}\n${day}\n${what}`);
  const [matchingSeed, botSeed] = await Promise.all([seedOf("matching"), seedOf("bot")]);
  return {
    matching: visibleCount(counts.matching, k, noiseFromSeed(matchingSeed)),
    suppressed: false,
    channels: [{ channel: "bot", reachable: visibleCount(counts.reachable, k, noiseFromSeed(botSeed)) }],
  };
}

/**
 * The differencing guard: whether the audience differs from an earlier answered query of the partner
 * by fewer than k clients, among all clients or among the reachable ones (whose count is shown too).
 * Only earlier queries whose stored size is within k of this one can be that close, so only they get
 * their overlap counted (one statement per shard each, with the conjunction of both filters).
 */
async function differsTooLittle(
  env: Env,
  criteria: AudienceCriteria,
  counts: { matching: number; reachable: number },
  filterKey: string,
  earlier: ReadonlyArray<{ filter: string; trueCount: number; trueReachable: number }>,
  reachable: Map<ClientShard, string[]>,
  k: number,
): Promise<boolean> {
  const control = controlDb(env);
  const seen = new Set<string>([filterKey]);
  for (const query of earlier) {
    if (seen.has(query.filter)) continue;
    seen.add(query.filter);
    const sizeClose = mayBeTooClose(counts.matching, query.trueCount, k);
    const reachClose = counts.reachable >= k && mayBeTooClose(counts.reachable, query.trueReachable, k);
    if (!sizeClose && !reachClose) continue;
    const earlierCriteria = await criteriaOfStored(control, parseAudienceFilterKey(query.filter));
    const parts = await Promise.all(
      clientShards(env).map((shard) => countOverlap(shard.db, criteria, earlierCriteria, reachable.get(shard) ?? [])),
    );
    const sum = parts.reduce((a, p) => ({
      earlier: a.earlier + p.earlier,
      both: a.both + p.both,
      earlierReachable: a.earlierReachable + p.earlierReachable,
      bothReachable: a.bothReachable + p.bothReachable,
    }));
    if (isTooClose(symmetricDifference(counts.matching, sum.earlier, sum.both), k)) return true;
    if (
      counts.reachable >= k &&
      sum.earlierReachable >= k &&
      isTooClose(symmetricDifference(counts.reachable, sum.earlierReachable, sum.bothReachable), k)
    ) {
      return true;
    }
  }
  return false;
}
