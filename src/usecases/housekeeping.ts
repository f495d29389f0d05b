/**
 * Daily housekeeping: every step bounded per run and idempotent, so a long backlog drains over
 * several runs and a run cut short is simply repeated (docs/storage.md, "Retention").
 *
 * - expired idempotency records are purged;
 * - per client shard (in parallel): raw scored candidates past CANDIDATE_RETENTION_DAYS (those an
 *   experiment governs: past ROLLUP_RETENTION_DAYS) and daily rollups past ROLLUP_RETENTION_DAYS are
 *   deleted; closed leads untouched for
 *   LEAD_ARCHIVE_AFTER_DAYS move to the R2 archive with their events;
 * - the statistics change log is pruned up to what every kept snapshot has folded.
 */
import { retentionPolicy } from "../domain/retention";
import { DAY_MS } from "../domain/time";
import type { Env } from "../env";
import { purgeScoredCandidatesBefore } from "../storage/analytics";
import { dayOf, purgeRollupsBefore } from "../storage/candidate-rollups";
import { purgeExpiredIdempotencyRecords } from "../storage/idempotency";
import { archiveClosedLeads } from "../storage/lead-archive";
import { clientShards, controlDb, type DatabaseBindings } from "../storage/shards";
import { pruneFoldedChangeLog } from "./model/publish";

export interface ShardHousekeeping {
  shard: string;
  purgedCandidates: number;
  purgedRollupRows: number;
  archivedLeads: number;
  archiveObjects: number;
}

export interface HousekeepingResult {
  purgedIdempotencyRecords: number;
  prunedChangeLogRows: number;
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
      return {
        shard: shard.binding,
        purgedCandidates,
        purgedRollupRows,
        archivedLeads: archive.archived,
        archiveObjects: archive.objects.length,
      };
    }),
  );
  const prunedChangeLogRows = await pruneFoldedChangeLog(env, controlDb(env));
  return { purgedIdempotencyRecords, prunedChangeLogRows, shards };
}
