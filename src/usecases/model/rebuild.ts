/**
 * Full rebuild of the recommender's statistics and reference groups from the raw `clients` and
 * `interactions` tables, in steps small enough for Workers limits, chained through the
 * `model-rebuild` queue (src/queues/model-rebuild/, `{ v: 1, type: "model_rebuild_step", jobId, step }`). See
 * docs/recommender.md, "Full rebuild", for the sizes each step handles.
 *
 * Phases (one queue message per step; the state between steps lives in KV under
 * `model:rebuild:<job>:<step>`):
 *
 * 1. cluster — k-means (seeded k-means++, Lloyd passes until the mean cosine settles) on the first
 *    {@link KMEANS_SAMPLE_CLIENTS} clients by id; ids are random, so that is a uniform sample, and
 *    with no more clients than that it is exactly `rebuildStatistics`. The centroids become the
 *    generation's assignment centroids.
 * 2. accumulate — pages of `clients_per_step` clients by id: each page, its matrix rows and the
 *    change-log position are read in one batch (one consistent read), assigned to groups and
 *    counted into the statistics.
 * 3. reconcile — writes that raced the job: a logged change of a client is folded when its id is
 *    newer than the log position of the page that client belongs to (its page read the state
 *    before it), and skipped otherwise (its page already read its result). Pages are id ranges, so
 *    clients created meanwhile are covered too. The statistics are then exact as of the log position
 *    at the start of this phase; later changes are folded by the next retrain.
 * 4. finish — train and publish the model of the new generation.
 *
 * Each step commits with a compare-and-set on the job's step counter, so a duplicate or retried
 * message never applies a step twice; at most one job runs at a time.
 */

import { DomainError } from "../../domain/errors";
import { createFeatureSpace, defaultGroupCount } from "../../domain/recommender";
import {
  clusterSample,
  missedByItsPage,
  type PageMark,
  pageDataset,
  pageMaxService,
} from "../../domain/recommender/paged-rebuild";
import { foldChanges, maxLoggedService } from "../../domain/recommender/statistics-fold";
import {
  accumulatePage,
  emptySnapshot,
  growSnapshot,
  type StatisticsSnapshot,
  totalLogPosition,
} from "../../domain/recommender/statistics-snapshot";
import type { Env } from "../../env";
import { randomToken } from "../../lib/ids";
import type { ModelRebuildStepMessage } from "../../queues/model-rebuild/message";
import type { Db } from "../../storage/db";
import {
  countClients,
  latestLogPositions,
  readClientPage,
  readLoggedChanges,
  readVocabulary,
} from "../../storage/model-statistics";
import {
  commitRebuildStep,
  deleteKeys,
  failRebuildJob,
  findRebuildJob,
  getBinary,
  insertRebuildJob,
  isRunningJobConflict,
  noteRebuildError,
  putBinary,
  type RebuildJobRow,
  rebuildStateKeyOf,
  runningRebuildJob,
} from "../../storage/model-store";
import { nextModelIndex } from "../../storage/services";
import { clientShards, controlDb } from "../../storage/shards";
import { decodeSnapshot, encodeSnapshot } from "../../storage/statistics-snapshot-codec";
import { errorText, hashTrainingInputs, type PublishResult, publishModel, readTrainingInputs } from "./publish";

/** Clients per accumulate step by default; a step reads them with their rows in one D1 batch. */
export const DEFAULT_CLIENTS_PER_STEP = 2000;
/** Upper bound of `clients_per_step`. */
export const MAX_CLIENTS_PER_STEP = 5000;
/** Clients the cluster step runs k-means on (the first by random id: a uniform sample). */
export const KMEANS_SAMPLE_CLIENTS = 5000;
/** Logged changes examined per reconcile step. */
export const RECONCILE_CHANGES_PER_STEP = 5000;
/** A running job whose step has not moved for this long is re-driven by the scheduled retrain. */
export const STALLED_STEP_MS = 10 * 60_000;
/** A running job that has not moved for this long no longer blocks a new rebuild. */
export const ABANDONED_JOB_MS = 60 * 60_000;

type Phase = RebuildJobRow["phase"];

/** Progress carried from step to step next to the statistics. */
interface RebuildProgress {
  phase: Phase;
  /** accumulate: the shard being read (shards are read one after the other). */
  shard: number;
  /** accumulate: the last client id read in that shard. */
  cursor: string;
  /** Pages read so far: [shard, last client id (null: the shard's final page), the shard's log position at the read]. */
  pages: PageMark[];
  /** reconcile: per shard, fold changes up to this log id. */
  reconcileThrough: number[];
  /** reconcile: the shard whose log is being reconciled. */
  reconcileShard: number;
  clientsDone: number;
  deltasReconciled: number;
  kmeans: { sampled: number; passes: number; meanSimilarity: number } | null;
  /** finish: the published version. */
  version: string | null;
}

interface RebuildState {
  snapshot: StatisticsSnapshot;
  progress: RebuildProgress;
}

/** Injectable side effects, so tests can drive the queue by hand. */
export interface RebuildDeps {
  enqueue: (env: Env, message: ModelRebuildStepMessage) => Promise<void>;
  clock: () => number;
}

export const defaultRebuildDeps: RebuildDeps = {
  enqueue: async (env, message) => {
    await env.MODEL_REBUILD.send(message);
  },
  clock: () => Date.now(),
};

/** Options of a new rebuild. */
export interface StartRebuildOptions {
  /** Who asked (api key id, or "system"). */
  requestedBy: string;
  trigger?: RebuildJobRow["trigger"];
  /** Clients per accumulate step (1..{@link MAX_CLIENTS_PER_STEP}, default {@link DEFAULT_CLIENTS_PER_STEP}). */
  clientsPerStep?: number;
  /** Reference groups (default `defaultGroupCount(clients)`). */
  groups?: number;
  now?: number;
}

function encodeState(state: RebuildState): Uint8Array {
  return encodeSnapshot(state.snapshot, state.progress);
}

function decodeState(bytes: Uint8Array): RebuildState {
  const { snapshot, extra } = decodeSnapshot(bytes);
  return { snapshot, progress: extra as RebuildProgress };
}

/** Creates the job row (the lock) and its initial state: feature space from the current vocabulary and catalog. */
async function createJob(
  env: Env,
  db: Db,
  options: StartRebuildOptions,
): Promise<{ job: RebuildJobRow; state: RebuildState }> {
  const shards = clientShards(env).map((shard) => shard.db);
  const now = options.now ?? Date.now();
  const clientsPerStep = options.clientsPerStep ?? DEFAULT_CLIENTS_PER_STEP;
  if (!Number.isInteger(clientsPerStep) || clientsPerStep < 1 || clientsPerStep > MAX_CLIENTS_PER_STEP) {
    throw new RangeError(`clientsPerStep must be 1..${MAX_CLIENTS_PER_STEP}`);
  }
  const running = await runningRebuildJob(db);
  if (running && now - running.updatedAt >= ABANDONED_JOB_MS) {
    await failRebuildJob(db, running.id, "Abandoned: no progress for an hour; superseded by a new rebuild", now);
  }
  const startPositions = await latestLogPositions(shards);
  const [clientsTotal, nServices, vocabulary] = await Promise.all([
    countClients(shards),
    nextModelIndex(db),
    readVocabulary(shards),
  ]);
  const groups = options.groups ?? defaultGroupCount(clientsTotal);
  const space = createFeatureSpace({ nServices, regions: vocabulary.regions, needsVocabulary: vocabulary.needs });
  let job: RebuildJobRow;
  try {
    job = await insertRebuildJob(db, {
      id: `rb_${randomToken(20)}`,
      status: "running",
      phase: "cluster",
      step: 0,
      trigger: options.trigger ?? "admin",
      clientsPerStep,
      groups,
      clientsTotal,
      startDeltaId: totalLogPosition(startPositions),
      startLogPositions: JSON.stringify(startPositions),
      requestedBy: options.requestedBy,
      startedAt: now,
      updatedAt: now,
    });
  } catch (error) {
    if (!isRunningJobConflict(error)) throw error;
    const other = await runningRebuildJob(db);
    throw new DomainError(
      "conflict",
      `A full rebuild is already running${other ? ` (job ${other.id})` : ""}; wait for it to finish`,
    );
  }
  const snapshot = emptySnapshot(space, groups, job.seq);
  snapshot.logPositions = [...startPositions];
  return {
    job,
    state: {
      snapshot,
      progress: {
        phase: "cluster",
        shard: 0,
        cursor: "",
        pages: [],
        reconcileThrough: [],
        reconcileShard: 0,
        clientsDone: 0,
        deltasReconciled: 0,
        kmeans: null,
        version: null,
      },
    },
  };
}

/**
 * Starts a full rebuild through the queue: creates the job, stores its first state and enqueues
 * its first step. Answers at once; `GET /v1/admin/model/rebuild/{id}` shows the progress.
 * @throws DomainError 409 `conflict` when a rebuild is already running.
 */
export async function startModelRebuild(
  env: Env,
  options: StartRebuildOptions,
  deps: RebuildDeps = defaultRebuildDeps,
): Promise<RebuildJobRow> {
  const db = controlDb(env);
  const { job, state } = await createJob(env, db, options);
  try {
    await putBinary(env.MODEL, rebuildStateKeyOf(job.id, 0), encodeState(state));
    await deps.enqueue(env, { v: 1, type: "model_rebuild_step", jobId: job.id, step: 0 });
  } catch (error) {
    await failRebuildJob(db, job.id, `Could not be started: ${errorText(error)}`, deps.clock());
    await deleteKeys(env.MODEL, [rebuildStateKeyOf(job.id, 0)]).catch(() => undefined);
    throw new DomainError("unavailable", "The rebuild could not be queued; nothing was started, retry later");
  }
  return job;
}

/**
 * Runs a whole rebuild in this request (no queue): for small client bases, e.g. the first model
 * of a platform (`INLINE_REBUILD_MAX_CLIENTS` in retrain.ts).
 * @throws DomainError 409 `conflict` when a rebuild is already running.
 */
export async function runRebuildInline(
  env: Env,
  options: StartRebuildOptions,
): Promise<{ job: RebuildJobRow; published: PublishResult }> {
  const db = controlDb(env);
  const { job, state } = await createJob(env, db, { ...options, clientsPerStep: MAX_CLIENTS_PER_STEP });
  let published: PublishResult | null = null;
  try {
    while (state.progress.phase !== "done") {
      published = (await advance(env, state, job, options.now ?? Date.now())) ?? published;
    }
  } catch (error) {
    await failRebuildJob(db, job.id, errorText(error), Date.now());
    throw error;
  }
  if (!published) throw new Error("rebuild finished without publishing");
  const now = Date.now();
  await commitRebuildStep(db, job.id, 0, {
    status: "succeeded",
    phase: "done",
    clientsDone: state.progress.clientsDone,
    deltasReconciled: state.progress.deltasReconciled,
    version: published.version,
    error: null,
    updatedAt: now,
    finishedAt: now,
  });
  return { job: (await findRebuildJob(db, job.id)) ?? job, published };
}

/** Widens the state's statistics when the catalog has grown past them. */
function ensureServices(state: RebuildState, nServices: number): void {
  state.snapshot = growSnapshot(state.snapshot, nServices);
}

/** Runs one step of the state machine. Returns the publish result of the finish step. */
async function advance(env: Env, state: RebuildState, job: RebuildJobRow, now: number): Promise<PublishResult | null> {
  const progress = state.progress;
  const shards = clientShards(env);
  switch (progress.phase) {
    case "cluster": {
      // The sample: the first clients (by id, which is random) of every shard, in equal shares.
      const share = Math.ceil(KMEANS_SAMPLE_CLIENTS / shards.length);
      const parts = await Promise.all(shards.map((shard) => readClientPage(shard.db, "", share)));
      const page = {
        clients: parts.flatMap((part) => part.clients),
        cells: parts.flatMap((part) => part.cells),
        maxDeltaId: 0,
      };
      ensureServices(state, pageMaxService(page) + 1);
      const { stats, assignmentCentroids } = state.snapshot;
      const clustering = clusterSample(stats.space, stats.nGroups, pageDataset(stats.space, page));
      if (clustering.centroids) assignmentCentroids.set(clustering.centroids);
      const { sampled, passes, meanSimilarity } = clustering;
      progress.kmeans = { sampled, passes, meanSimilarity };
      progress.phase = "accumulate";
      return null;
    }
    case "accumulate": {
      const page = await readClientPage(shards[progress.shard].db, progress.cursor, job.clientsPerStep);
      ensureServices(state, pageMaxService(page) + 1);
      accumulatePage(state.snapshot, pageDataset(state.snapshot.stats.space, page));
      const full = page.clients.length === job.clientsPerStep;
      const last = page.clients.length > 0 ? page.clients[page.clients.length - 1].id : null;
      progress.pages.push([progress.shard, full ? last : null, page.maxDeltaId]);
      progress.clientsDone += page.clients.length;
      if (full && last !== null) {
        progress.cursor = last;
      } else if (progress.shard + 1 < shards.length) {
        progress.shard += 1;
        progress.cursor = "";
      } else {
        progress.phase = "reconcile";
        progress.reconcileThrough = await latestLogPositions(shards.map((shard) => shard.db));
        progress.reconcileShard = 0;
        // Per shard, changes up to the oldest page read are in every page already.
        state.snapshot.logPositions = shards.map((shard) =>
          Math.min(...progress.pages.filter((p) => p[0] === shard.index).map((p) => p[2])),
        );
      }
      return null;
    }
    case "reconcile": {
      const shard = progress.reconcileShard;
      const changes = await readLoggedChanges(
        shards[shard].db,
        state.snapshot.logPositions[shard] ?? 0,
        progress.reconcileThrough[shard] ?? 0,
        RECONCILE_CHANGES_PER_STEP,
      );
      ensureServices(state, maxLoggedService(changes) + 1);
      progress.deltasReconciled += foldChanges(state.snapshot, changes, {
        shard,
        include: (change) => missedByItsPage(progress.pages, shard, change),
      });
      if (changes.length < RECONCILE_CHANGES_PER_STEP) {
        state.snapshot.logPositions[shard] = progress.reconcileThrough[shard] ?? 0;
        progress.reconcileShard += 1;
        if (progress.reconcileShard >= shards.length) progress.phase = "finish";
      }
      return null;
    }
    case "finish": {
      const inputs = await readTrainingInputs(env);
      ensureServices(state, inputs.catalog.length);
      state.snapshot.rebuiltClients = state.snapshot.stats.clientCount;
      const published = await publishModel(env, {
        snapshot: state.snapshot,
        inputs,
        inputHash: await hashTrainingInputs(state.snapshot.generation, state.snapshot.logPositions, inputs),
        trigger: "rebuild",
        now,
      });
      progress.version = published.version;
      progress.phase = "done";
      return published;
    }
    case "done":
      return null;
  }
}

/** What became of one step message. */
export type StepOutcome = "advanced" | "finished" | "duplicate" | "not_ready" | "stopped";

/**
 * Runs the step a message asks for, once: a message for a step already committed is a duplicate,
 * one for a later step (its predecessor's commit is not visible yet) or whose state is not
 * readable yet is "not_ready" (retry later), one for a job no longer running is "stopped".
 * The next step's state and message are written before the commit, so a crash between them at
 * worst repeats this step. @throws on a failed step (the message is retried).
 */
export async function processRebuildStep(
  env: Env,
  message: ModelRebuildStepMessage,
  deps: RebuildDeps = defaultRebuildDeps,
): Promise<StepOutcome> {
  const db = controlDb(env);
  const job = await findRebuildJob(db, message.jobId);
  if (job?.status !== "running") return "stopped";
  if (message.step < job.step) return "duplicate";
  if (message.step > job.step) return "not_ready";
  const stateKey = rebuildStateKeyOf(job.id, job.step);
  const bytes = await getBinary(env.MODEL, stateKey);
  if (!bytes) return "not_ready";
  const state = decodeState(bytes);
  let published: PublishResult | null;
  try {
    published = await advance(env, state, job, deps.clock());
  } catch (error) {
    await noteRebuildError(db, job.id, `Step ${job.step} failed (will retry): ${errorText(error)}`, deps.clock());
    throw error;
  }
  const now = deps.clock();
  const progressFields = {
    phase: state.progress.phase,
    clientsDone: state.progress.clientsDone,
    deltasReconciled: state.progress.deltasReconciled,
    error: null,
    updatedAt: now,
  };
  if (state.progress.phase === "done") {
    await commitRebuildStep(db, job.id, job.step, {
      ...progressFields,
      status: "succeeded",
      version: published?.version ?? state.progress.version,
      finishedAt: now,
    });
    await deleteKeys(env.MODEL, [stateKey]);
    return "finished";
  }
  const nextKey = rebuildStateKeyOf(job.id, job.step + 1);
  await putBinary(env.MODEL, nextKey, encodeState(state));
  await deps.enqueue(env, { v: 1, type: "model_rebuild_step", jobId: job.id, step: job.step + 1 });
  if (await commitRebuildStep(db, job.id, job.step, progressFields)) await deleteKeys(env.MODEL, [stateKey]);
  return "advanced";
}

/**
 * Ends a job whose step message exhausted its retries (the `model-rebuild-dlq` consumer): the job
 * fails, naming the step that kept failing and its last error, and its KV state is deleted. A
 * message for a job no longer running, or for another step, changes nothing.
 */
export async function failDeadLetteredRebuildStep(env: Env, step: ModelRebuildStepMessage, now: number): Promise<void> {
  const db = controlDb(env);
  const job = await findRebuildJob(db, step.jobId);
  if (job?.status !== "running" || job.step !== step.step) return;
  const reason = job.error ? ` Last error: ${job.error}` : "";
  await failRebuildJob(db, job.id, `Step ${step.step} could not be completed after its retries.${reason}`, now);
  await deleteKeys(env.MODEL, [rebuildStateKeyOf(job.id, step.step), rebuildStateKeyOf(job.id, step.step + 1)]);
}

/**
 * Re-enqueues the current step of a running job that has not moved for {@link STALLED_STEP_MS}
 * (a lost message); harmless when the step is in fact still queued. Returns the job id, if any.
 */
export async function resumeStalledRebuild(
  env: Env,
  now: number,
  deps: RebuildDeps = defaultRebuildDeps,
): Promise<string | null> {
  const job = await runningRebuildJob(controlDb(env));
  if (!job || now - job.updatedAt < STALLED_STEP_MS) return null;
  await deps.enqueue(env, { v: 1, type: "model_rebuild_step", jobId: job.id, step: job.step });
  return job.id;
}
