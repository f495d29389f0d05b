/**
 * The R2 archive of closed leads (docs/storage.md, "Archive"). One step on one shard:
 *
 * 1. read at most `limit` closed leads untouched since `before` (oldest first) with their events;
 * 2. group them by their UTC creation day; each group becomes one NDJSON object
 *    `leads/<shard binding>/<yyyy-mm-dd>/<part>.ndjson`, one line `{"lead": …, "events": […]}` per
 *    lead, where `<part>` is a hash of the group's lead ids and update times: the same input always
 *    gives the same key and the same bytes, so a step interrupted after its put and re-run rewrites
 *    an identical object;
 * 3. only after every put succeeded, one D1 batch records each lead's object in `archived_leads`
 *    and deletes the lead and its events — guarded by the same "closed and untouched" condition, so
 *    a lead that changed meanwhile (a late outcome) stays in D1 and is archived by a later step.
 *
 * Reading back: `archived_leads` names the object; the object's line for the id is the lead.
 */
import { and, asc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { CLOSED_LEAD_STATUSES } from "../domain/retention";
import { sha256Hex } from "../lib/crypto";
import type { Db } from "./db";
import type { LeadEventRow, LeadRow } from "./leads";
import { archivedLeads, leadEvents, leads } from "./schema";

type Statement = BatchItem<"sqlite">;

/** One archived lead as a line of its object. */
export interface ArchivedLead {
  lead: LeadRow;
  events: LeadEventRow[];
}

/** What one archive step did on a shard. */
export interface ArchiveStepResult {
  /** Leads written to R2 and removed from D1. */
  archived: number;
  /** Objects written. */
  objects: string[];
}

/** Ids bound per statement (D1 allows 100 bound parameters; a few go to the other conditions). */
const IDS_PER_STATEMENT = 90;

/** The lead is closed and untouched since `before`: the condition of selection and of deletion. */
function archivable(before: number): SQL {
  return and(inArray(leads.status, [...CLOSED_LEAD_STATUSES]), lt(leads.updatedAt, before)) as SQL;
}

/** yyyy-mm-dd of the UTC day of `at`. */
function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The object key of a group of leads of one shard and creation day. */
export async function archiveObjectKey(binding: string, day: string, group: readonly LeadRow[]): Promise<string> {
  const identity = group.map((lead) => `${lead.id}@${lead.updatedAt}`).join("\n");
  return `leads/${binding}/${day}/${(await sha256Hex(identity)).slice(0, 16)}.ndjson`;
}

/** The object's text: one JSON line per lead, in the group's order. */
export function archiveObjectText(group: readonly ArchivedLead[]): string {
  return group.map((entry) => `${JSON.stringify(entry)}\n`).join("");
}

/**
 * One bounded archive step on one shard (see the module comment). Idempotent: leads already archived
 * are gone from D1 and not read again; an interrupted step re-run writes the same objects.
 */
export async function archiveClosedLeads(
  db: Db,
  bucket: R2Bucket,
  input: { binding: string; before: number; limit: number },
): Promise<ArchiveStepResult> {
  const rows = await db.select().from(leads).where(archivable(input.before)).orderBy(asc(leads.seq)).limit(input.limit);
  if (rows.length === 0) return { archived: 0, objects: [] };
  const events: LeadEventRow[] = [];
  for (let from = 0; from < rows.length; from += IDS_PER_STATEMENT) {
    const ids = rows.slice(from, from + IDS_PER_STATEMENT).map((row) => row.id);
    events.push(
      ...(await db.select().from(leadEvents).where(inArray(leadEvents.leadId, ids)).orderBy(asc(leadEvents.id))),
    );
  }
  const eventsByLead = new Map<string, LeadEventRow[]>();
  for (const event of events) {
    const list = eventsByLead.get(event.leadId) ?? [];
    list.push(event);
    eventsByLead.set(event.leadId, list);
  }
  const byDay = new Map<string, LeadRow[]>();
  for (const row of rows) {
    const day = utcDay(row.createdAt);
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }

  const objects: string[] = [];
  const statements: Statement[] = [];
  for (const [day, group] of byDay) {
    const key = await archiveObjectKey(input.binding, day, group);
    const text = archiveObjectText(group.map((lead) => ({ lead, events: eventsByLead.get(lead.id) ?? [] })));
    await bucket.put(key, text, { httpMetadata: { contentType: "application/x-ndjson" } });
    objects.push(key);
    for (let from = 0; from < group.length; from += IDS_PER_STATEMENT) {
      const ids = group.slice(from, from + IDS_PER_STATEMENT).map((lead) => lead.id);
      const still = and(inArray(leads.id, ids), archivable(input.before));
      statements.push(
        db
          .insert(archivedLeads)
          .select(sql`SELECT id, ${key} FROM leads WHERE ${still}`)
          .onConflictDoUpdate({ target: archivedLeads.id, set: { objectKey: key } }),
        db.delete(leadEvents).where(inArray(leadEvents.leadId, db.select({ id: leads.id }).from(leads).where(still))),
        db.delete(leads).where(still).returning({ id: leads.id }),
      );
    }
  }
  // Every object is written: now the rows go, atomically with their index entries.
  const results = await db.batch(statements as [Statement, ...Statement[]]);
  // Every third statement deletes leads and returns their ids: what this step actually archived.
  let archived = 0;
  for (let i = 2; i < results.length; i += 3) archived += (results[i] as unknown[]).length;
  return { archived, objects };
}

/** The archived lead `id` from its object, or null when it was never archived (or the object is gone). */
export async function findArchivedLead(db: Db, bucket: R2Bucket, id: string): Promise<ArchivedLead | null> {
  const [entry] = await db.select().from(archivedLeads).where(eq(archivedLeads.id, id)).limit(1);
  if (!entry) return null;
  const object = await bucket.get(entry.objectKey);
  if (!object) return null;
  for (const line of (await object.text()).split("\n")) {
    if (!line) continue;
    const parsed = JSON.parse(line) as ArchivedLead;
    if (parsed.lead.id === id) return parsed;
  }
  return null;
}
