/**
 * Retraining from the maintained statistics (Cron Trigger every 15 minutes and
 * `POST /v1/admin/model/retrain`). Cost depends on services, groups and the writes since the last
 * version — never on the number of clients:
 *
 *   1. read the pointer, the change-log position and the other inputs (catalog, links, deals);
 *   2. if they equal the current version's inputs, answer "unchanged" without writing anything;
 *   3. load the current version's statistics snapshot from KV, widen it to new services, fold the
 *      logged changes after it (pages of {@link FOLD_PAGE});
 *   4. train and publish (new KV keys first, then the forward-only pointer flip; publish.ts).
 *
 * Retraining is idempotent and safe to run concurrently: runs that read the same state produce the
 * same model, each writes its own keys, and only the newest flips the pointer.
 *
 * Before the first model there are no statistics: the first retrain builds them with a full
 * rebuild — in this request for up to {@link INLINE_REBUILD_MAX_CLIENTS} clients, through the
 * queue beyond that.
 */

import { DomainError } from "../../domain/errors";
import { foldChanges, GroupAssigner } from "../../domain/recommender/statistics-fold";
import { growSnapshot, type StatisticsSnapshot, totalLogPosition } from "../../domain/recommender/statistics-snapshot";
import type { Env } from "../../env";
import { countClients, latestLogPositions, readLoggedChanges } from "../../storage/model-statistics";
import { findVersion, getBinary, readPointer, runningRebuildJob, syncPointerMirror } from "../../storage/model-store";
import { nextModelIndex } from "../../storage/services";
import { clientShards, controlDb } from "../../storage/shards";
import { decodeSnapshot, SnapshotFormatError } from "../../storage/statistics-snapshot-codec";
import { errorText, hashTrainingInputs, publishModel, readTrainingInputs } from "./publish";
import { resumeStalledRebuild, runRebuildInline, startModelRebuild } from "./rebuild";

/** Logged changes folded per D1 page. */
export const FOLD_PAGE = 1000;
/** Up to this many clients, the first statistics are built in the request that needs them. */
export const INLINE_REBUILD_MAX_CLIENTS = 5000;

/** Who started a retrain. */
export type RetrainTrigger = "cron" | "admin" | "serving";

/** Options of {@link retrainModel}. */
export interface RetrainOptions {
  trigger: RetrainTrigger;
  /** Api key id of an admin, or "system". */
  requestedBy?: string;
  /** Epoch ms (default now). */
  now?: number;
}

/** What a retrain did. */
export type RetrainResult =
  /** A new version was published and is current. */
  | { status: "trained"; version: string; trainedAt: number; generation: number; lastDeltaId: number; folded: number }
  /** A version was trained, but a newer one was published meanwhile and stays current. */
  | { status: "superseded"; version: string; current: string | null }
  /** Nothing changed since the current version: nothing was written. */
  | { status: "unchanged"; version: string }
  /** No clients or no services yet: there is nothing to learn from. */
  | { status: "no_data"; message: string }
  /** No statistics yet and too many clients to build them here: a full rebuild was started (or is running). */
  | { status: "rebuild_started" | "rebuild_running"; jobId: string };

/**
 * Retrains the model (see the module comment).
 * @throws DomainError 503 `unavailable` when the current statistics snapshot cannot be read from KV
 *   (not visible yet, or damaged): nothing is changed and a later retrain (or a full rebuild) recovers.
 */
export async function retrainModel(env: Env, options: RetrainOptions): Promise<RetrainResult> {
  const db = controlDb(env);
  const now = options.now ?? Date.now();
  const pointer = await readPointer(db);
  if (!pointer) return firstModel(env, options, now);

  // The log position first, the catalog after: every service a folded change names is in the catalog.
  const shards = clientShards(env);
  const through = await latestLogPositions(shards.map((shard) => shard.db));
  const inputs = await readTrainingInputs(env);
  const inputHash = await hashTrainingInputs(pointer.generation, through, inputs);
  const current = await findVersion(db, pointer.version);
  if (current?.inputHash === inputHash) {
    await syncPointerMirror(env);
    return { status: "unchanged", version: pointer.version };
  }

  const bytes = await getBinary(env.MODEL, pointer.snapshotKey);
  if (!bytes) {
    throw new DomainError(
      "unavailable",
      `The statistics snapshot of model ${pointer.version} is not readable yet; nothing was changed, retry later`,
    );
  }
  let snapshot: StatisticsSnapshot;
  try {
    snapshot = decodeSnapshot(bytes).snapshot;
  } catch (error) {
    if (!(error instanceof SnapshotFormatError)) throw error;
    throw new DomainError(
      "unavailable",
      `The statistics snapshot of model ${pointer.version} is damaged (${error.message}); run a full rebuild`,
    );
  }
  snapshot = growSnapshot(snapshot, inputs.catalog.length);
  const assigner = new GroupAssigner(snapshot.stats.space, snapshot.stats.nGroups, snapshot.assignmentCentroids);
  let folded = 0;
  // Each shard's log in its own order; shards are independent (a client lives in one).
  for (const shard of shards) {
    const throughId = through[shard.index];
    while ((snapshot.logPositions[shard.index] ?? 0) < throughId) {
      const changes = await readLoggedChanges(shard.db, snapshot.logPositions[shard.index] ?? 0, throughId, FOLD_PAGE);
      if (changes.length === 0) break;
      folded += foldChanges(snapshot, changes, { assigner, shard: shard.index });
    }
  }
  // Ids of rolled-back writes are never used: the statistics now stand exactly at `through`.
  snapshot.logPositions = [...through];

  const published = await publishModel(env, { snapshot, inputs, inputHash, trigger: options.trigger, now });
  if (published.status === "superseded") {
    return { status: "superseded", version: published.version, current: published.current };
  }
  return {
    status: "trained",
    version: published.version,
    trainedAt: published.trainedAt,
    generation: snapshot.generation,
    lastDeltaId: totalLogPosition(snapshot.logPositions),
    folded,
  };
}

/** The first model of the platform: build the statistics with a full rebuild. */
async function firstModel(env: Env, options: RetrainOptions, now: number): Promise<RetrainResult> {
  const db = controlDb(env);
  const running = await runningRebuildJob(db);
  if (running) return { status: "rebuild_running", jobId: running.id };
  const [clientCount, catalog] = await Promise.all([
    countClients(clientShards(env).map((shard) => shard.db)),
    nextModelIndex(db),
  ]);
  if (clientCount === 0 || catalog === 0) {
    return { status: "no_data", message: "No model yet: the platform needs at least one client and one service" };
  }
  const requestedBy = options.requestedBy ?? "system";
  try {
    if (clientCount > INLINE_REBUILD_MAX_CLIENTS) {
      const job = await startModelRebuild(env, { requestedBy, trigger: "bootstrap", now });
      return { status: "rebuild_started", jobId: job.id };
    }
    const { published } = await runRebuildInline(env, { requestedBy, trigger: "bootstrap", now });
    if (published.status === "superseded") {
      return { status: "superseded", version: published.version, current: published.current };
    }
    const pointer = published.pointer;
    return {
      status: "trained",
      version: published.version,
      trainedAt: published.trainedAt,
      generation: pointer.generation,
      lastDeltaId: pointer.lastDeltaId,
      folded: 0,
    };
  } catch (error) {
    // Another request started the first rebuild a moment earlier.
    if (error instanceof DomainError && error.code === "conflict") {
      const other = await runningRebuildJob(db);
      if (other) return { status: "rebuild_running", jobId: other.id };
    }
    throw error;
  }
}

/**
 * The scheduled job: retrain, re-drive a stalled full rebuild, and re-sync the KV pointer mirror.
 * Never throws: a failure is logged and the next run tries again.
 */
export async function runScheduledRetrain(env: Env, scheduledTime: number): Promise<RetrainResult | null> {
  try {
    const resumed = await resumeStalledRebuild(env, scheduledTime);
    if (resumed) console.warn(JSON.stringify({ job: "retrain", event: "rebuild_resumed", jobId: resumed }));
    const result = await retrainModel(env, { trigger: "cron", requestedBy: "system" });
    console.log(JSON.stringify({ job: "retrain", ...result }));
    return result;
  } catch (error) {
    console.error(JSON.stringify({ job: "retrain", event: "failed", error: errorText(error) }));
    return null;
  }
}
