/**
 * Website browsing on the client shards (docs/storage.md "Browsing interest"): the 24-hour
 * message-id receipts of `POST /v1/events`, anonymous ids linked to CRM clients, and the daily
 * counts per subject and service. Every function takes the shard's `Db`; callers pick the shard.
 */
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { MAX_DAILY_EVENTS_PER_SERVICE } from "../domain/site-events";
import { chunkRows, type Db } from "./db";
import { anonymousLinks, browsingDaily, eventReceipts } from "./schema";

/**
 * Claims message ids: inserts a receipt for each id not seen within the window (an older receipt
 * is taken over) and returns the claimed ids. Ids already claimed within the window come back
 * absent: they are duplicates. One statement per chunk; run them in one batch.
 */
export function claimMessageIdsQueries(
  db: Db,
  companyId: string,
  messageIds: readonly string[],
  now: number,
  windowMs: number,
) {
  const rows = messageIds.map((messageId) => ({ companyId, messageId, receivedAt: now }));
  return chunkRows(rows, 3).map((chunk) =>
    db
      .insert(eventReceipts)
      .values(chunk)
      .onConflictDoUpdate({
        target: [eventReceipts.companyId, eventReceipts.messageId],
        set: { receivedAt: sql`excluded.received_at` },
        setWhere: sql`${eventReceipts.receivedAt} <= ${now - windowMs}`,
      })
      .returning({ messageId: eventReceipts.messageId }),
  );
}

/** Links of these anonymous hashes (one query; at most 99 hashes). */
export function linksOfQuery(db: Db, companyId: string, anonymousHashes: readonly string[]) {
  return db
    .select({ anonymousHash: anonymousLinks.anonymousHash, clientHash: anonymousLinks.clientHash })
    .from(anonymousLinks)
    .where(and(eq(anonymousLinks.companyId, companyId), inArray(anonymousLinks.anonymousHash, [...anonymousHashes])));
}

/** Today's anonymous rows of these hashes (what bounds a visitor's services per day). */
export function anonymousDayRowsQuery(db: Db, companyId: string, anonymousHashes: readonly string[], day: number) {
  return db
    .select({ subjectHash: browsingDaily.subjectHash, serviceId: browsingDaily.serviceId })
    .from(browsingDaily)
    .where(
      and(
        eq(browsingDaily.companyId, companyId),
        eq(browsingDaily.subjectKind, "anonymous"),
        inArray(browsingDaily.subjectHash, [...anonymousHashes]),
        eq(browsingDaily.day, day),
      ),
    );
}

export interface BrowsingCount {
  companyId: string;
  subjectKind: "client" | "anonymous";
  subjectHash: string;
  serviceId: string;
  day: number;
  events: number;
}

/** Adds counts to the daily rows (created when missing), each capped at MAX_DAILY_EVENTS_PER_SERVICE. */
export function addBrowsingQueries(db: Db, counts: readonly BrowsingCount[]) {
  return chunkRows([...counts], 6).map((chunk) =>
    db
      .insert(browsingDaily)
      .values(chunk.map((c) => ({ ...c, events: Math.min(c.events, MAX_DAILY_EVENTS_PER_SERVICE) })))
      .onConflictDoUpdate({
        target: [
          browsingDaily.companyId,
          browsingDaily.subjectKind,
          browsingDaily.subjectHash,
          browsingDaily.serviceId,
          browsingDaily.day,
        ],
        set: { events: sql`min(${MAX_DAILY_EVENTS_PER_SERVICE}, ${browsingDaily.events} + excluded.events)` },
      }),
  );
}

/** A subject's daily rows from `fromDay` on. */
export async function browsingOf(
  db: Db,
  subject: { companyId: string; kind: "client" | "anonymous"; hash: string },
  fromDay: number,
) {
  return db
    .select({ serviceId: browsingDaily.serviceId, day: browsingDaily.day, events: browsingDaily.events })
    .from(browsingDaily)
    .where(
      and(
        eq(browsingDaily.companyId, subject.companyId),
        eq(browsingDaily.subjectKind, subject.kind),
        eq(browsingDaily.subjectHash, subject.hash),
        gte(browsingDaily.day, fromDay),
      ),
    );
}

/** Deletes an anonymous subject's rows (after they were folded into its client's). */
export function deleteAnonymousBrowsingQuery(db: Db, companyId: string, anonymousHash: string) {
  return db
    .delete(browsingDaily)
    .where(
      and(
        eq(browsingDaily.companyId, companyId),
        eq(browsingDaily.subjectKind, "anonymous"),
        eq(browsingDaily.subjectHash, anonymousHash),
      ),
    );
}

/** The link of one anonymous hash, or null. */
export async function linkOf(db: Db, companyId: string, anonymousHash: string) {
  const rows = await linksOfQuery(db, companyId, [anonymousHash]);
  return rows[0] ?? null;
}

/** Inserts a link unless the anonymous hash is already linked (to anyone). */
export function insertLinkQuery(
  db: Db,
  link: { companyId: string; anonymousHash: string; clientHash: string; linkedAt: number },
) {
  return db.insert(anonymousLinks).values(link).onConflictDoNothing();
}

/**
 * Housekeeping: deletes at most `limit` receipts received before `receiptsBefore` and at most
 * `limit` daily rows of days before `dayBefore`; returns how many rows went.
 */
export async function purgeExpiredBrowsing(
  db: Db,
  receiptsBefore: number,
  dayBefore: number,
  limit: number,
): Promise<number> {
  const receipts = await db.run(sql`
    DELETE FROM event_receipts WHERE (company_id, message_id) IN (
      SELECT company_id, message_id FROM event_receipts WHERE received_at < ${receiptsBefore} LIMIT ${limit})`);
  const days = await db.run(sql`
    DELETE FROM browsing_daily WHERE (company_id, subject_kind, subject_hash, service_id, day) IN (
      SELECT company_id, subject_kind, subject_hash, service_id, day FROM browsing_daily
      WHERE day < ${dayBefore} LIMIT ${limit})`);
  return Number(receipts.meta?.changes ?? 0) + Number(days.meta?.changes ?? 0);
}
