import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { and, eq, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { canonicalJson } from "../domain/canonical-json";
import { DomainError } from "../domain/errors";
import { sha256Hex } from "../lib/crypto";
import type { Db } from "./db";
import { idempotencyRecords } from "./schema";

/** Records are kept at least this long (the contract promises ≥ 24 h). */
export const IDEMPOTENCY_TTL_MS = 48 * 60 * 60 * 1000;
/** An in-flight record older than this belongs to a request that died; a retry may take it over. */
export const IN_FLIGHT_TAKEOVER_MS = 60 * 1000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The reserved slot of a first request: commit `complete(...)` in the same batch as the work. */
export interface IdempotencySlot {
  /** The statement that stores the answer; put it in the batch that commits the request's writes. */
  complete(status: number, body: unknown): BatchItem<"sqlite">;
  /** Frees the slot when the request failed before committing anything, so a retry can run. */
  release(): Promise<void>;
}

export type IdempotencyOutcome =
  | { kind: "first"; slot: IdempotencySlot }
  | { kind: "replay"; status: number; body: unknown };

/**
 * Reserves `key` for this caller and request, or tells how to answer a repeat:
 * same key + same body (as parsed JSON: key order and layout do not matter) → the stored answer; same key + other body → 422; first still running → 409.
 */
export async function beginIdempotent(
  db: Db,
  input: { principalId: string; key: string; route: string; body: unknown },
  now = Date.now(),
): Promise<IdempotencyOutcome> {
  assertIdempotencyKey(input.key);
  const requestHash = await idempotencyRequestHash(input.route, input.body);
  const where = and(eq(idempotencyRecords.principalId, input.principalId), eq(idempotencyRecords.key, input.key));

  const inserted = await db
    .insert(idempotencyRecords)
    .values({
      principalId: input.principalId,
      key: input.key,
      route: input.route,
      requestHash,
      state: "in_flight",
      createdAt: now,
      expiresAt: now + IDEMPOTENCY_TTL_MS,
    })
    .onConflictDoNothing()
    .returning({ key: idempotencyRecords.key });

  if (inserted.length === 0) {
    const [existing] = await db.select().from(idempotencyRecords).where(where).limit(1);
    if (!existing) return beginIdempotent(db, input, now);
    if (existing.requestHash !== requestHash || existing.route !== input.route) {
      throw new DomainError(
        "idempotency_mismatch",
        "This Idempotency-Key was already used with a different request body",
        ["headers", "idempotency-key"],
      );
    }
    if (existing.state === "done") {
      return { kind: "replay", status: existing.responseStatus ?? 200, body: JSON.parse(storedAnswerJson(existing)) };
    }
    if (now - existing.createdAt < IN_FLIGHT_TAKEOVER_MS) {
      throw new DomainError("idempotency_in_flight", "A request with this Idempotency-Key is still being processed", [
        "headers",
        "idempotency-key",
      ]);
    }
    // The first attempt died without committing (its writes and this record commit together).
    const taken = await db
      .update(idempotencyRecords)
      .set({ createdAt: now, expiresAt: now + IDEMPOTENCY_TTL_MS })
      .where(
        and(where, eq(idempotencyRecords.state, "in_flight"), eq(idempotencyRecords.createdAt, existing.createdAt)),
      )
      .returning({ key: idempotencyRecords.key });
    if (taken.length === 0) return beginIdempotent(db, input, now);
  }

  return {
    kind: "first",
    slot: {
      complete: (status, body) =>
        db
          .update(idempotencyRecords)
          .set({ state: "done", responseStatus: status, responsePacked: packAnswer(body) })
          .where(where),
      release: async () => {
        await db.delete(idempotencyRecords).where(and(where, eq(idempotencyRecords.state, "in_flight")));
      },
    },
  };
}

/**
 * Brotli quality of stored answers. Quality 5 packed a 10.9 kB lead-call answer to 1.93 kB but was
 * 11 % of the lead call's CPU in workerd (profiled under bench:http load); quality 2 packed it to
 * 2.40 kB in 40 % of the time. Quality 1 is faster again for a few % more bytes (an 8.1 kB
 * answer-shaped JSON in Node: 45 µs → 967 B at quality 1, 66 µs → 901 B at quality 2). The records
 * live two days, so the extra bytes are a few MB per shard.
 */
const ANSWER_BROTLI_QUALITY = 1;

/**
 * The stored form of an answer: its JSON text, Brotli-compressed. A replay decompresses and parses
 * it, so it sends the same bytes as the first call (the route serializes the same value the same
 * way). The lead call's answer repeats field names, categories and reason phrases across its
 * ratings, so it shrinks several-fold (docs/storage.md, `idempotency_records`); compression is
 * synchronous so that the statement can be built inside the caller's batch.
 */
export function packAnswer(body: unknown, text: string = JSON.stringify(body)): Buffer {
  return brotliCompressSync(text, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: ANSWER_BROTLI_QUALITY,
      // A 64 KiB window: answers are 10–15 KB, and the default 4 MiB window's set-up cost made
      // compression 2.7× slower for the same bytes (332 µs against 121 µs on a 10.2 KB answer).
      [constants.BROTLI_PARAM_LGWIN]: 16,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
    },
  });
}

/** The answer's JSON text of a done record: the packed column, or the text of a pre-0003 row. */
function storedAnswerJson(record: Pick<IdempotencyRecordRow, "responsePacked" | "responseBody">): string {
  if (record.responsePacked) return brotliDecompressSync(record.responsePacked).toString("utf8");
  return record.responseBody ?? "null";
}

type IdempotencyRecordRow = typeof idempotencyRecords.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Optimistic keys (the lead call): no reservation round trip. The record is looked up in the
// call's read batch and inserted, answer included, in the call's write batch; a concurrent first
// request with the same key makes that INSERT fail, the batch rolls back as a whole, and the loser
// answers with the winner's stored answer.

/** What the read batch needs of a key's record (the answer itself is read only for a replay). */
export interface IdempotencyProbe {
  requestHash: string;
  route: string;
  state: "in_flight" | "done";
  createdAt: number;
}

/** Raw SQL for a D1 batch: ?1 principal id, ?2 key. */
export const IDEMPOTENCY_PROBE_SQL =
  "SELECT request_hash, route, state, created_at FROM idempotency_records WHERE principal_id = ?1 AND key = ?2";

/** The probe of a row read with {@link IDEMPOTENCY_PROBE_SQL}; null when there was none. */
export function idempotencyProbeOf(row: Record<string, unknown> | undefined): IdempotencyProbe | null {
  if (!row) return null;
  return {
    requestHash: String(row.request_hash),
    route: String(row.route),
    state: row.state === "done" ? "done" : "in_flight",
    createdAt: Number(row.created_at),
  };
}

/** The probe of the key's record, read on its own (after a lost race). */
export async function probeIdempotencyKey(
  db: Db,
  key: { principalId: string; key: string },
): Promise<IdempotencyProbe | null> {
  const [row] = await db
    .select({
      requestHash: idempotencyRecords.requestHash,
      route: idempotencyRecords.route,
      state: idempotencyRecords.state,
      createdAt: idempotencyRecords.createdAt,
    })
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.principalId, key.principalId), eq(idempotencyRecords.key, key.key)))
    .limit(1);
  return row ?? null;
}

/** A key and the request it names, as the optimistic functions take them. */
export interface OptimisticKey {
  principalId: string;
  key: string;
  route: string;
  requestHash: string;
}

/** Checks the key's syntax (400 `validation_failed` naming the header otherwise). */
export function assertIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError("validation_failed", "Idempotency-Key must be 1–255 printable ASCII characters", [
      "headers",
      "idempotency-key",
    ]);
  }
}

/**
 * The hash that tells one request from another under the same key: the route and the parsed body in
 * canonical form (key order and whitespace do not make a different request).
 */
export function idempotencyRequestHash(route: string, body: unknown): Promise<string> {
  return sha256Hex(`${route}\n${canonicalJson(body)}`);
}

/**
 * What an existing record means for this request: `absent` (go ahead), `stale` (a request that died
 * in flight under the old reservation scheme: go ahead, replacing it) or the stored answer.
 * @throws DomainError `idempotency_mismatch` (other body or route), `idempotency_in_flight`.
 */
export async function settleIdempotencyProbe(
  db: Db,
  key: OptimisticKey,
  probe: IdempotencyProbe | null,
  now: number,
): Promise<
  { kind: "absent" } | { kind: "stale"; createdAt: number } | { kind: "replay"; status: number; body: unknown }
> {
  if (!probe) return { kind: "absent" };
  if (probe.requestHash !== key.requestHash || probe.route !== key.route) {
    throw new DomainError(
      "idempotency_mismatch",
      "This Idempotency-Key was already used with a different request body",
      ["headers", "idempotency-key"],
    );
  }
  if (probe.state === "in_flight") {
    if (now - probe.createdAt < IN_FLIGHT_TAKEOVER_MS) {
      throw new DomainError("idempotency_in_flight", "A request with this Idempotency-Key is still being processed", [
        "headers",
        "idempotency-key",
      ]);
    }
    return { kind: "stale", createdAt: probe.createdAt };
  }
  const [record] = await db
    .select()
    .from(idempotencyRecords)
    .where(and(eq(idempotencyRecords.principalId, key.principalId), eq(idempotencyRecords.key, key.key)))
    .limit(1);
  // Purged between the two reads: the request runs again as a first one.
  if (!record) return { kind: "absent" };
  return { kind: "replay", status: record.responseStatus ?? 200, body: JSON.parse(storedAnswerJson(record)) };
}

/**
 * The statements that store the answer under the key, for the batch that commits the request's
 * writes: a plain INSERT, so that a concurrent first request's record fails the whole batch
 * ({@link isIdempotencyKeyTaken}); a stale in-flight record is removed first.
 */
export function recordIdempotentAnswer(
  db: Db,
  key: OptimisticKey,
  /** `json`: the body's JSON text when the caller already has it (the lead call sends the same text). */
  answer: { status: number; body: unknown; json?: string },
  now: number,
  staleCreatedAt: number | null,
): BatchItem<"sqlite">[] {
  const where = and(eq(idempotencyRecords.principalId, key.principalId), eq(idempotencyRecords.key, key.key));
  const insert = db.insert(idempotencyRecords).values({
    principalId: key.principalId,
    key: key.key,
    route: key.route,
    requestHash: key.requestHash,
    state: "done",
    responseStatus: answer.status,
    responsePacked: packAnswer(answer.body, answer.json),
    createdAt: now,
    expiresAt: now + IDEMPOTENCY_TTL_MS,
  });
  if (staleCreatedAt === null) return [insert];
  return [
    db
      .delete(idempotencyRecords)
      .where(and(where, eq(idempotencyRecords.state, "in_flight"), eq(idempotencyRecords.createdAt, staleCreatedAt))),
    insert,
  ];
}

/** Whether a batch failed because another request stored a record under the same key first. */
export function isIdempotencyKeyTaken(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.includes("UNIQUE constraint failed: idempotency_records.principal_id, idempotency_records.key")) {
      return true;
    }
  }
  return false;
}

/** Deletes records past their expiry (daily cron). Returns how many were removed. */
export async function purgeExpiredIdempotencyRecords(db: Db, now = Date.now()): Promise<number> {
  const removed = await db
    .delete(idempotencyRecords)
    .where(lt(idempotencyRecords.expiresAt, now))
    .returning({ key: idempotencyRecords.key });
  return removed.length;
}
