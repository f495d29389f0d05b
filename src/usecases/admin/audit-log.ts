/** The admin's audit-log use case: read the log newest first, one page at a time. */
import type { Env } from "../../env";
import { type AuditRecord, listAuditEntries } from "../../storage/audit";
import { controlDb } from "../../storage/shards";

/** One audit entry as read back; `before` / `after` are the parsed snapshots. */
export type AuditLogEntry = AuditRecord;

export interface AuditLogQuery {
  entityType?: string;
  entityId?: string;
  actor?: string;
  /** Only entries older than this id (the cursor of the previous page). */
  beforeId?: number;
  limit: number;
}

/**
 * A page of matching entries, newest first, and `nextBeforeId`: the id to continue from, or
 * null on the last page.
 */
export async function listAuditLog(
  env: Env,
  query: AuditLogQuery,
): Promise<{ entries: AuditLogEntry[]; nextBeforeId: number | null }> {
  const { entries, hasMore } = await listAuditEntries(controlDb(env), query);
  const last = entries.at(-1);
  return { entries, nextBeforeId: hasMore && last ? last.id : null };
}
