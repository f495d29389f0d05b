/** Queries of the console's sign-in sessions (control database). */
import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "./db";
import { consoleSessions } from "./schema";

export type ConsoleSessionRow = typeof consoleSessions.$inferSelect;

export async function insertConsoleSession(db: Db, row: ConsoleSessionRow): Promise<void> {
  await db.insert(consoleSessions).values(row);
}

/** The session whose token hashes to `tokenHash`, if it has not expired at `now`. */
export async function findLiveConsoleSession(
  db: Db,
  tokenHash: string,
  now: number,
): Promise<ConsoleSessionRow | null> {
  const rows = await db
    .select()
    .from(consoleSessions)
    .where(and(eq(consoleSessions.tokenHash, tokenHash), gt(consoleSessions.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

/** Ends a session (sign-out); true when one was deleted. */
export async function deleteConsoleSession(db: Db, tokenHash: string): Promise<boolean> {
  const rows = await db
    .delete(consoleSessions)
    .where(eq(consoleSessions.tokenHash, tokenHash))
    .returning({ id: consoleSessions.id });
  return rows.length > 0;
}

/** Drops sessions that expired at or before `now` (they can no longer be used, only take room). */
export async function deleteExpiredConsoleSessions(db: Db, now: number): Promise<void> {
  await db.delete(consoleSessions).where(lte(consoleSessions.expiresAt, now));
}
