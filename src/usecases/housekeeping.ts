/**
 * Daily housekeeping: every step bounded per run and idempotent, so a long backlog drains over
 * several runs and a run cut short is simply repeated (docs/storage.md, "Retention").
 *
 * - expired idempotency records are purged;
 * - per client shard (in parallel): raw scored candidates past CANDIDATE_RETENTION_DAYS (those an
 *   experiment governs: past ROLLUP_RETENTION_DAYS) and daily rollups past ROLLUP_RETENTION_DAYS are
 *   deleted; closed leads untouched for
 *   LEAD_ARCHIVE_AFTER_DAYS move to the R2 archive with their events;
 * - the statistics change log is pruned up to what every kept snapshot has folded;
 * - Telegram update ids older than the re-send window are forgotten;
 * - partner audience queries older than the differencing guard's look-back are deleted.
 * - per client shard: website event receipts past the 24-hour dedup window and browsing days past
 *   BROWSING_RETENTION_DAYS are deleted.
 */
import { GUARD_LOOKBACK_DAYS } from "../domain/audiences/disclosure";
import { retentionPolicy } from "../domain/retention";
import { BROWSING_RETENTION_DAYS, dayNumber, EVENT_DEDUP_WINDOW_MS } from "../domain/site-events";
import { DAY_MS } from "../domain/time";
import type { Env } from "../env";
import { purgeScoredCandidatesBefore } from "../storage/analytics";
import { pruneAudienceQueries } from "../storage/audiences";
import { pruneUpdates } from "../storage/bot";
import { purgeExpiredBrowsing } from "../storage/browsing";
import { dayOf, purgeRollupsBefore } from "../storage/candidate-rollups";
import { purgeExpiredIdempotencyRecords } from "../storage/idempotency";
import { archiveClosedLeads } from "../storage/lead-archive";
import { clientShards, controlDb, type DatabaseBindings } from "../storage/shards";
import { pruneFoldedChangeLog } from "./model/publish";

/**
 * How long an update id is remembered. Telegram re-sends an unacknowledged update for at most 24
 * hours; a week leaves room for a webhook that was down or misconfigured for days.
 */
export const BOT_UPDATE_RETENTION_MS = 7 * 86_400_000;
/** Update ids deleted per statement, and statements per run: at most 50,000 ids a day (docs/bot.md). */
export const BOT_UPDATE_PRUNE_BATCH = 1000;
export const BOT_UPDATE_PRUNE_MAX_BATCHES = 50;

/** Forgets update ids received before the retention window, oldest first, in bounded batches. */
export async function pruneBotUpdates(
  env: Pick<Env, "DB">,
  now: number,
  limits = { batch: BOT_UPDATE_PRUNE_BATCH, maxBatches: BOT_UPDATE_PRUNE_MAX_BATCHES },
): Promise<number> {
  const db = controlDb(env);
  let pruned = 0;
  for (let round = 0; round < limits.maxBatches; round++) {
    const removed = await pruneUpdates(db, now - BOT_UPDATE_RETENTION_MS, limits.batch);
    pruned += removed;
    if (removed < limits.batch) break;
  }
  return pruned;
}

export interface ShardHousekeeping {
  shard: string;
  purgedCandidates: number;
  purgedRollupRows: number;
  archivedLeads: number;
  archiveObjects: number;
  /** Event receipts past the 24-hour dedup window and browsing days past BROWSING_RETENTION_DAYS. */
  purgedBrowsingRows: number;
}

export interface HousekeepingResult {
  purgedIdempotencyRecords: number;
  prunedChangeLogRows: number;
  prunedBotUpdates: number;
  /** Audience queries past the guard's 90 days (a few per partner and day: one statement). */
  prunedAudienceQueries: number;
  shards: ShardHousekeeping[];
}

/** @throws DomainError `validation_failed` when a retention variable is not a valid number of days. */
export async function runHousekeeping(
  env: DatabaseBindings &
    Pick<
      Env,
      | "ARCHIVE"
      | "CANDIDATE_RETENTION_DAYS"
      | "ROLLUP_RETENTION_DAYS"
      | "LEAD_ARCHIVE_AFTER_DAYS"
      | "ARCHIVE_LEADS_PER_RUN"
    >,
  now: number,
): Promise<HousekeepingResult> {
  const policy = retentionPolicy(env);
  const purged = await Promise.all(clientShards(env).map((shard) => purgeExpiredIdempotencyRecords(shard.db, now)));
  const purgedIdempotencyRecords = purged.reduce((sum, n) => sum + n, 0);
  const shards = await Promise.all(
    clientShards(env).map(async (shard): Promise<ShardHousekeeping> => {
      const purgedCandidates = await purgeScoredCandidatesBefore(
        shard.db,
        { untagged: now - policy.candidateDays * DAY_MS, tagged: now - policy.rollupDays * DAY_MS },
        policy.purgeRowsPerRun,
      );
      const purgedRollupRows = await purgeRollupsBefore(
        shard.db,
        dayOf(now) - policy.rollupDays * DAY_MS,
        policy.purgeRowsPerRun,
      );
      const archive = await archiveClosedLeads(shard.db, env.ARCHIVE, {
        binding: shard.binding,
        before: now - policy.leadArchiveDays * DAY_MS,
        limit: policy.archiveLeadsPerRun,
      });
      const purgedBrowsingRows = await purgeExpiredBrowsing(
        shard.db,
        now - EVENT_DEDUP_WINDOW_MS,
        dayNumber(now) - BROWSING_RETENTION_DAYS,
        policy.purgeRowsPerRun,
      );
      return {
        shard: shard.binding,
        purgedCandidates,
        purgedRollupRows,
        archivedLeads: archive.archived,
        archiveObjects: archive.objects.length,
        purgedBrowsingRows,
      };
    }),
  );
  const prunedChangeLogRows = await pruneFoldedChangeLog(env, controlDb(env));
  const prunedBotUpdates = await pruneBotUpdates(env, now);
  const prunedAudienceQueries = await pruneAudienceQueries(controlDb(env), now - GUARD_LOOKBACK_DAYS * DAY_MS);
  return { purgedIdempotencyRecords, prunedChangeLogRows, prunedBotUpdates, prunedAudienceQueries, shards };
}
