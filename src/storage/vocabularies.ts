/**
 * The needs taxonomy in D1 (`need_tags`). Writes return statements so that the caller commits
 * them in one batch with their audit entry.
 */
import { asc, eq } from "drizzle-orm";
import type { NeedTag } from "../domain/vocabularies/needs";
import type { Db } from "./db";
import { needTags } from "./schema";

export type NeedTagRow = typeof needTags.$inferSelect;

export function toNeedTag(row: NeedTagRow): NeedTag {
  return { code: row.code, labelRu: row.labelRu, labelEn: row.labelEn, group: row.groupCode, active: row.active };
}

/** Every tag, active or retired, by group then code. */
export async function listNeedTags(db: Db): Promise<NeedTagRow[]> {
  return db.select().from(needTags).orderBy(asc(needTags.groupCode), asc(needTags.code));
}

/** The codes a profile may use now. */
export async function activeNeedCodes(db: Db): Promise<Set<string>> {
  const rows = await db.select({ code: needTags.code }).from(needTags).where(eq(needTags.active, true));
  return new Set(rows.map((row) => row.code));
}

export async function getNeedTag(db: Db, code: string): Promise<NeedTagRow | null> {
  const [row] = await db.select().from(needTags).where(eq(needTags.code, code)).limit(1);
  return row ?? null;
}

/** Inserts a tag; a code already taken fails the batch with a UNIQUE violation. */
export function insertNeedTagQuery(db: Db, row: NeedTagRow) {
  return db.insert(needTags).values(row);
}

export function updateNeedTagQuery(db: Db, row: NeedTagRow) {
  return db
    .update(needTags)
    .set({
      labelRu: row.labelRu,
      labelEn: row.labelEn,
      groupCode: row.groupCode,
      active: row.active,
      updatedAt: row.updatedAt,
    })
    .where(eq(needTags.code, row.code));
}
