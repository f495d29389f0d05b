/**
 * Where trained models live and which one is current (docs/storage.md, KV namespace `MODEL`):
 *
 * - `model:artefact:<version>` — the binary artefact (`encodeModel`), written once, never changed;
 * - `model:snapshot:<version>` — the statistics the version was trained from (`encodeSnapshot`);
 * - `model:current` — a JSON mirror of the pointer, for cheap reads on the serving path;
 * - `model:rebuild:<job>:<step>` — the state a full-rebuild step hands to the next one.
 *
 * The pointer of record is the D1 row `model_pointer` (id 1). A new version is written to KV under
 * its own keys first; then the pointer flips with a conditional upsert that only moves forward in
 * (generation, last_delta_id, seq) order, so of two concurrent retrains the newer one wins and the
 * other one's keys are simply deleted. The KV mirror follows the D1 pointer.
 *
 * Serving: each isolate keeps the decoded current model in memory and checks the KV mirror at most
 * every {@link MODEL_POINTER_CHECK_MS}. While the mirror names the model it serves, that is all;
 * when it names another version (or is missing), the D1 pointer decides and the artefact it names
 * is loaded once — so a lagging mirror can delay a switch by one check but never move the model
 * backwards.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { decodeModel, type RecommenderModel } from "../domain/recommender";
import type { Env } from "../env";
import { randomToken } from "../lib/ids";
import { type Db, getDb } from "./db";
import { modelPointer, modelRebuildJobs, modelVersions } from "./schema";

/** KV key of the pointer mirror. */
export const CURRENT_MODEL_KEY = "model:current";
/** How often an isolate re-reads the pointer (the KV edge cache may add up to the same again). */
export const MODEL_POINTER_CHECK_MS = 30_000;
/** KV's shortest edge-cache time for the pointer mirror. */
const POINTER_CACHE_TTL_SECONDS = 30;

/** KV key of a version's artefact. */
export const artefactKeyOf = (version: string) => `model:artefact:${version}`;
/** KV key of a version's statistics snapshot. */
export const snapshotKeyOf = (version: string) => `model:snapshot:${version}`;
/** KV key of the state a rebuild job hands from step `step` to the next. */
export const rebuildStateKeyOf = (jobId: string, step: number) => `model:rebuild:${jobId}:${step}`;

/** The current model as the pointer names it. */
export interface ModelPointer {
  version: string;
  /** `model_versions.seq` of the version. */
  seq: number;
  /** The full rebuild whose reference groups the statistics use. */
  generation: number;
  /** Sum of `logPositions`: orders versions of one generation. */
  lastDeltaId: number;
  /** JSON array: per client shard, the last change-log id folded into the version's statistics. */
  logPositions: string;
  artefactKey: string;
  snapshotKey: string;
  updatedAt: number;
}

/** True when `a` is strictly newer than `b` in (generation, lastDeltaId, seq) order. */
export function isNewerPointer(a: ModelPointer, b: ModelPointer | null): boolean {
  if (!b) return true;
  if (a.generation !== b.generation) return a.generation > b.generation;
  if (a.lastDeltaId !== b.lastDeltaId) return a.lastDeltaId > b.lastDeltaId;
  return a.seq > b.seq;
}

/** The D1 pointer of record, or null before the first model. */
export async function readPointer(db: Db): Promise<ModelPointer | null> {
  const rows = await db.select().from(modelPointer).where(eq(modelPointer.id, 1)).limit(1);
  const row = rows[0];
  if (!row) return null;
  const { id: _id, ...pointer } = row;
  return pointer;
}

/**
 * Moves the D1 pointer to `next` if, and only if, `next` is newer than what it names (see
 * {@link isNewerPointer}); the comparison and the write are one statement. Returns whether it moved.
 */
export async function flipPointer(db: Db, next: ModelPointer): Promise<boolean> {
  const result = await db
    .insert(modelPointer)
    .values({ id: 1, ...next })
    .onConflictDoUpdate({
      target: modelPointer.id,
      set: {
        version: sql.raw("excluded.version"),
        seq: sql.raw("excluded.seq"),
        generation: sql.raw("excluded.generation"),
        lastDeltaId: sql.raw("excluded.last_delta_id"),
        logPositions: sql.raw("excluded.log_positions"),
        artefactKey: sql.raw("excluded.artefact_key"),
        snapshotKey: sql.raw("excluded.snapshot_key"),
        updatedAt: sql.raw("excluded.updated_at"),
      },
      setWhere: sql.raw(
        "excluded.generation > model_pointer.generation OR (excluded.generation = model_pointer.generation AND " +
          "(excluded.last_delta_id > model_pointer.last_delta_id OR (excluded.last_delta_id = model_pointer.last_delta_id " +
          "AND excluded.seq > model_pointer.seq)))",
      ),
    })
    .run();
  return Number(result.meta?.changes ?? 0) > 0;
}

/** Writes an immutable binary value (artefact, snapshot, rebuild state). */
export async function putBinary(kv: KVNamespace, key: string, bytes: Uint8Array): Promise<void> {
  await kv.put(key, bytes);
}

/** Reads a binary value; null when the key does not exist (or is not visible in this location yet). */
export async function getBinary(kv: KVNamespace, key: string): Promise<Uint8Array | null> {
  const buffer = await kv.get(key, "arrayBuffer");
  return buffer ? new Uint8Array(buffer) : null;
}

/** Deletes keys, ignoring ones already gone. */
export async function deleteKeys(kv: KVNamespace, keys: ReadonlyArray<string | null | undefined>): Promise<void> {
  await Promise.all(keys.filter((key): key is string => typeof key === "string").map((key) => kv.delete(key)));
}

/** Mirrors the D1 pointer into KV `model:current`. */
export async function writePointerMirror(kv: KVNamespace, pointer: ModelPointer): Promise<void> {
  await kv.put(CURRENT_MODEL_KEY, JSON.stringify(pointer));
}

function isPointer(value: unknown): value is ModelPointer {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.version === "string" &&
    typeof p.artefactKey === "string" &&
    typeof p.snapshotKey === "string" &&
    Number.isInteger(p.seq) &&
    Number.isInteger(p.generation) &&
    Number.isInteger(p.lastDeltaId)
  );
}

/** The KV pointer mirror; null when missing or unreadable (callers then ask D1). */
export async function readPointerMirror(kv: KVNamespace): Promise<ModelPointer | null> {
  const value = await kv.get(CURRENT_MODEL_KEY, { type: "json", cacheTtl: POINTER_CACHE_TTL_SECONDS });
  return isPointer(value) ? value : null;
}

/**
 * Re-reads the D1 pointer and mirrors it to KV. Called after every flip; a mirror left behind by a
 * lost race between two flips is corrected by the next call (every scheduled retrain makes one).
 */
export async function syncPointerMirror(env: Env): Promise<ModelPointer | null> {
  const pointer = await readPointer(getDb(env.DB));
  if (!pointer) return null;
  const mirrored = await readPointerMirror(env.MODEL);
  if (!mirrored || mirrored.version !== pointer.version) await writePointerMirror(env.MODEL, pointer);
  return pointer;
}

/** A decoded model with the pointer that named it. */
export interface ServingModel {
  pointer: ModelPointer;
  model: RecommenderModel;
}

interface ServingSlot {
  current: ServingModel | null;
  checkedAt: number;
  /** Whether the last check found a pointer at all (false: no model was ever published). */
  pointerSeen: boolean;
  refresh: Promise<void> | null;
}

let slots = new WeakMap<KVNamespace, ServingSlot>();

function slotOf(kv: KVNamespace): ServingSlot {
  let slot = slots.get(kv);
  if (!slot) {
    slot = { current: null, checkedAt: Number.NEGATIVE_INFINITY, pointerSeen: false, refresh: null };
    slots.set(kv, slot);
  }
  return slot;
}

/** Options of {@link getServingModel}. */
export interface ServingOptions {
  /** Epoch ms now (default `Date.now()`). */
  now?: number;
  /** Re-read the pointer when the last check is older than this (default {@link MODEL_POINTER_CHECK_MS}; 0 forces). */
  maxAgeMs?: number;
}

/** What the serving path knows about the current model. */
export interface ServingState {
  /** The newest model this isolate could load; null when none. */
  serving: ServingModel | null;
  /** Whether a pointer exists (a model was published) even if its artefact could not be loaded here yet. */
  published: boolean;
}

/**
 * The current model for serving, from this isolate's memory when the pointer was checked recently
 * (see the module comment). A new current version's artefact is loaded once, fully verified; an
 * artefact that is not readable yet (KV propagation) keeps the previous model until the next check.
 */
export async function getServingModel(env: Env, options: ServingOptions = {}): Promise<ServingState> {
  const slot = slotOf(env.MODEL);
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeMs ?? MODEL_POINTER_CHECK_MS;
  if (now - slot.checkedAt >= maxAge) {
    slot.refresh ??= refreshSlot(env, slot, now).finally(() => {
      slot.refresh = null;
    });
    await slot.refresh;
  }
  return { serving: slot.current, published: slot.pointerSeen || slot.current !== null };
}

async function refreshSlot(env: Env, slot: ServingSlot, now: number): Promise<void> {
  // The common case costs one KV read: the mirror still names the model this isolate serves.
  const mirror = await readPointerMirror(env.MODEL);
  if (slot.current && mirror?.version === slot.current.pointer.version) {
    slot.checkedAt = now;
    return;
  }
  // Otherwise the D1 pointer decides: the mirror may lag behind a flip (edge cache, a lost race
  // between two mirror writes) and is never trusted to move the model by itself.
  const pointer = await readPointer(getDb(env.DB));
  slot.checkedAt = now;
  if (!pointer) {
    // No model is published (e.g. a reset database): serve none rather than a stale one.
    slot.current = null;
    slot.pointerSeen = false;
    return;
  }
  slot.pointerSeen = true;
  if (slot.current?.pointer.version === pointer.version) return;
  const bytes = await getBinary(env.MODEL, pointer.artefactKey);
  if (!bytes) {
    console.warn(JSON.stringify({ event: "model_artefact_not_visible", version: pointer.version }));
    return;
  }
  // The publisher verified these exact bytes in full before flipping the pointer; a structural
  // check keeps reads safe and holds the load of a 2,000-service model to a few ms.
  slot.current = { pointer, model: decodeModel(bytes, { verify: "structure" }) };
}

/**
 * Hands a model this isolate just published to its serving cache (no KV round trip), unless a
 * newer one is already there.
 */
export function rememberServingModel(env: Env, serving: ServingModel, now = Date.now()): void {
  const slot = slotOf(env.MODEL);
  slot.pointerSeen = true;
  if (isNewerPointer(serving.pointer, slot.current?.pointer ?? null)) {
    slot.current = serving;
    slot.checkedAt = now;
  }
}

/** Drops every isolate-cached model (tests; an operator never needs it). */
export function forgetServingModels(): void {
  slots = new WeakMap();
}

// ---------------------------------------------------------------------------------------------
// Version records (`model_versions`)
// ---------------------------------------------------------------------------------------------

export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type ModelVersionTrigger = ModelVersionRow["trigger"];

/** "v000042-20261122T071500Z": allocation order, then the UTC time the training started. */
export function versionName(seq: number, at: number): string {
  const stamp = new Date(at)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `v${String(seq).padStart(6, "0")}-${stamp}`;
}

/** Records the start of a training run and allocates its version name. */
export async function beginVersion(
  db: Db,
  input: {
    trigger: ModelVersionTrigger;
    generation: number;
    lastDeltaId: number;
    logPositions: string;
    inputHash: string;
    now: number;
  },
): Promise<{ seq: number; version: string }> {
  const [row] = await db
    .insert(modelVersions)
    .values({ ...input, version: `pending-${randomToken(16)}`, status: "training", createdAt: input.now })
    .returning({ seq: modelVersions.seq });
  const version = versionName(row.seq, input.now);
  await db.update(modelVersions).set({ version }).where(eq(modelVersions.seq, row.seq));
  return { seq: row.seq, version };
}

/** Updates a version record (status, sizes, quality, error). */
export async function updateVersion(
  db: Db,
  seq: number,
  fields: Partial<Omit<ModelVersionRow, "seq" | "version" | "createdAt">>,
): Promise<void> {
  await db.update(modelVersions).set(fields).where(eq(modelVersions.seq, seq));
}

/** One version record by name, or null. */
export async function findVersion(db: Db, version: string): Promise<ModelVersionRow | null> {
  const rows = await db.select().from(modelVersions).where(eq(modelVersions.version, version)).limit(1);
  return rows[0] ?? null;
}

/** The newest version records, newest first. */
export async function listVersions(db: Db, limit: number): Promise<ModelVersionRow[]> {
  return db.select().from(modelVersions).orderBy(desc(modelVersions.seq)).limit(limit);
}

/** Published versions whose KV keys are still kept, newest first. */
export async function readyVersions(db: Db): Promise<ModelVersionRow[]> {
  return db.select().from(modelVersions).where(eq(modelVersions.status, "ready")).orderBy(desc(modelVersions.seq));
}

/** Marks versions pruned (their KV keys are deleted by the caller). */
export async function markPruned(db: Db, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await db
    .update(modelVersions)
    .set({ status: "pruned" })
    .where(and(inArray(modelVersions.seq, [...seqs]), eq(modelVersions.status, "ready")));
}

// ---------------------------------------------------------------------------------------------
// Full-rebuild jobs (`model_rebuild_jobs`)
// ---------------------------------------------------------------------------------------------

export type RebuildJobRow = typeof modelRebuildJobs.$inferSelect;
export type NewRebuildJobRow = typeof modelRebuildJobs.$inferInsert;

/** One rebuild job by id, or null. */
export async function findRebuildJob(db: Db, id: string): Promise<RebuildJobRow | null> {
  const rows = await db.select().from(modelRebuildJobs).where(eq(modelRebuildJobs.id, id)).limit(1);
  return rows[0] ?? null;
}

/** The running rebuild job, if any (there is at most one). */
export async function runningRebuildJob(db: Db): Promise<RebuildJobRow | null> {
  const rows = await db.select().from(modelRebuildJobs).where(eq(modelRebuildJobs.status, "running")).limit(1);
  return rows[0] ?? null;
}

/** The most recently started rebuild job, or null. */
export async function latestRebuildJob(db: Db): Promise<RebuildJobRow | null> {
  const rows = await db.select().from(modelRebuildJobs).orderBy(desc(modelRebuildJobs.seq)).limit(1);
  return rows[0] ?? null;
}

/** The change-log position a running rebuild still needs from (null when none runs). */
export async function runningRebuildStartPositions(db: Db): Promise<number[] | null> {
  const job = await runningRebuildJob(db);
  return job ? parseLogPositions(job.startLogPositions) : null;
}

/**
 * Inserts a running job. Fails with a UNIQUE violation of `model_rebuild_jobs.status` (see
 * {@link isRunningJobConflict}) when another job is running.
 */
export async function insertRebuildJob(db: Db, row: NewRebuildJobRow): Promise<RebuildJobRow> {
  const [created] = await db.insert(modelRebuildJobs).values(row).returning();
  return created;
}

/** Whether an insert failed because a job is already running. */
export function isRunningJobConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.includes("UNIQUE constraint failed: model_rebuild_jobs.status")) return true;
  }
  return false;
}

/**
 * Commits a step: updates the running job only while its step is still `fromStep` (the
 * compare-and-set that makes duplicate step messages harmless). Returns whether it applied.
 */
export async function commitRebuildStep(
  db: Db,
  id: string,
  fromStep: number,
  fields: Partial<Omit<RebuildJobRow, "seq" | "id" | "step">>,
): Promise<boolean> {
  const result = await db
    .update(modelRebuildJobs)
    .set({ ...fields, step: fromStep + 1 })
    .where(
      and(eq(modelRebuildJobs.id, id), eq(modelRebuildJobs.step, fromStep), eq(modelRebuildJobs.status, "running")),
    )
    .run();
  return Number(result.meta?.changes ?? 0) > 0;
}

/** Records the last step error of a running job (it will be retried). */
export async function noteRebuildError(db: Db, id: string, error: string, now: number): Promise<void> {
  await db
    .update(modelRebuildJobs)
    .set({ error, updatedAt: now })
    .where(and(eq(modelRebuildJobs.id, id), eq(modelRebuildJobs.status, "running")));
}

/** Ends a running job as failed. Returns whether it was running. */
export async function failRebuildJob(db: Db, id: string, error: string, now: number): Promise<boolean> {
  const result = await db
    .update(modelRebuildJobs)
    .set({ status: "failed", error, updatedAt: now, finishedAt: now })
    .where(and(eq(modelRebuildJobs.id, id), eq(modelRebuildJobs.status, "running")))
    .run();
  return Number(result.meta?.changes ?? 0) > 0;
}

/** A stored JSON array of per-shard log positions (anything unreadable reads as no positions). */
export function parseLogPositions(text: string | null | undefined): number[] {
  try {
    const parsed: unknown = JSON.parse(text ?? "[]");
    return Array.isArray(parsed) ? parsed.map((value) => (Number.isSafeInteger(value) ? Number(value) : 0)) : [];
  } catch {
    return [];
  }
}
