/**
 * The audit log: who changed what and when. Every admin write appends one entry per changed
 * entity, in the same D1 batch as the write itself so that a change and its record are never
 * separated. Secrets and key hashes are never recorded.
 */
import { and, desc, eq, getTableColumns, lt, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { auditLog } from "./schema";

/** Entity types written to the audit log. */
export type AuditEntityType = "company" | "api_key" | "service" | "cross_service_link" | "setting" | (string & {});

export interface AuditInput {
  /** The principal's key id (`key_…` or `admin-token`). */
  actor: string;
  /** `<entity>.<verb>`, e.g. `company.updated`. */
  action: string;
  entityType: AuditEntityType;
  entityId: string;
  /** Snapshot before the change (null for creations); serialized as JSON with secrets redacted. */
  before: unknown;
  /** Snapshot after the change (null for deletions). */
  after: unknown;
  /** Epoch ms; defaults to now. */
  at?: number;
}

/** Property names whose values never reach the audit log, whatever object they sit in. */
const SECRET_PROPERTIES = new Set([
  "hash",
  "secret",
  "token",
  "password",
  "webhookSecret",
  "webhook_secret",
  "webhookSecretPrevious",
  "webhook_secret_previous",
]);

/** JSON of a snapshot with every secret-looking property replaced by "[redacted]". */
export function auditJson(snapshot: unknown): string | null {
  if (snapshot === null || snapshot === undefined) return null;
  return JSON.stringify(snapshot, (name, value) =>
    SECRET_PROPERTIES.has(name) && value !== null && value !== undefined ? "[redacted]" : value,
  );
}

function auditValues(input: AuditInput) {
  return {
    at: input.at ?? Date.now(),
    actor: input.actor,
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId,
    before: auditJson(input.before),
    after: auditJson(input.after),
  };
}

/**
 * An insert of one audit entry, not yet executed: put it in the same `db.batch([...])` as the
 * write it records (or `await` it on its own).
 */
export function auditEntry(db: Db, input: AuditInput) {
  return db.insert(auditLog).values(auditValues(input));
}

/** Inserts for many audit entries, chunked to stay under D1's bound-parameter limit. */
export function auditEntries(db: Db, inputs: ReadonlyArray<AuditInput>) {
  return chunkRows(inputs.map(auditValues), boundParametersPerRow(auditLog)).map((rows) =>
    db.insert(auditLog).values(rows),
  );
}

/**
 * An audit insert that only happens if the statement just before it in the same batch changed at
 * least one row (SQLite `changes()`): pairs with a guarded (optimistic) update so that a lost race
 * leaves no audit entry behind.
 */
export function auditEntryIfChanged(db: Db, input: AuditInput) {
  const values: Record<string, unknown> = { id: null, ...auditValues(input) };
  // drizzle's INSERT … SELECT lists every column in table order: select them in that order.
  const selected = sql.join(
    Object.keys(getTableColumns(auditLog)).map((column) => sql`${values[column] ?? null}`),
    sql`, `,
  );
  return db.insert(auditLog).select(sql`SELECT ${selected} WHERE changes() > 0`);
}

/**
 * Runs statements as one atomic D1 batch (all or nothing). Accepts a dynamic list, which
 * drizzle's tuple-typed `db.batch` does not.
 */
export async function runBatch(db: Db, items: ReadonlyArray<BatchItem<"sqlite">>): Promise<unknown[]> {
  if (items.length === 0) return [];
  return db.batch(items as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/** One audit entry as read back. */
export interface AuditRecord {
  id: number;
  at: number;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

/**
 * A page of the audit log, newest first. `beforeId` is the cursor: only entries older than it
 * (by insertion order) are returned. Returns one page plus whether more exist.
 */
export async function listAuditEntries(
  db: Db,
  filter: { entityType?: string; entityId?: string; actor?: string; beforeId?: number; limit: number },
): Promise<{ entries: AuditRecord[]; hasMore: boolean }> {
  const conditions: SQL[] = [];
  if (filter.entityType !== undefined) conditions.push(eq(auditLog.entityType, filter.entityType));
  if (filter.entityId !== undefined) conditions.push(eq(auditLog.entityId, filter.entityId));
  if (filter.actor !== undefined) conditions.push(eq(auditLog.actor, filter.actor));
  if (filter.beforeId !== undefined) conditions.push(lt(auditLog.id, filter.beforeId));
  const rows = await db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  return {
    hasMore,
    entries: rows.slice(0, filter.limit).map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      entityType: row.entityType,
      entityId: row.entityId,
      before: row.before === null ? null : JSON.parse(row.before),
      after: row.after === null ? null : JSON.parse(row.after),
    })),
  };
}
