/**
 * Companies (the bank and its partners): reads, guarded writes and webhook secrets.
 *
 * Writes are optimistic: an update only applies if the row still has the `updated_at` the caller
 * read, so two admins editing the same company cannot silently overwrite each other (or hand out
 * a webhook secret that a concurrent edit replaced).
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { companies } from "./schema";

export type CompanyRow = typeof companies.$inferSelect;
export type NewCompanyRow = typeof companies.$inferInsert;

/** How long the previous webhook secret keeps verifying after a rotation. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `whsec_${btoa(binary)}`;
}

export async function getCompany(db: Db, id: string): Promise<CompanyRow | null> {
  const rows = await db.select().from(companies).where(eq(companies.id, id)).limit(1);
  return rows[0] ?? null;
}

/** Every company, oldest first (ties by id): a stable order for listings and default routing. */
export async function listCompanies(db: Db): Promise<CompanyRow[]> {
  return db.select().from(companies).orderBy(asc(companies.createdAt), asc(companies.id));
}

/** The insert of a new company (to batch with its audit entry). */
export function insertCompanyQuery(db: Db, row: NewCompanyRow) {
  return db.insert(companies).values(row).returning();
}

/**
 * The guarded update of a company: it only applies while the row's `updated_at` is still
 * `expectedUpdatedAt`. Returns the updated row through `returning()`; an empty result means a
 * concurrent write won and nothing changed.
 */
export function updateCompanyQuery(
  db: Db,
  id: string,
  expectedUpdatedAt: number,
  changes: Partial<Omit<NewCompanyRow, "id" | "createdAt">> & { updatedAt: number },
) {
  return db
    .update(companies)
    .set(changes)
    .where(and(eq(companies.id, id), eq(companies.updatedAt, expectedUpdatedAt)))
    .returning();
}

/**
 * A new `updated_at` that differs from the previous one even when both fall in the same
 * millisecond, so the optimistic guard always sees the change.
 */
export function nextUpdatedAt(previous: number, now = Date.now()): number {
  return now > previous ? now : previous + 1;
}
