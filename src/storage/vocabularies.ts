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

/** This isolate's copy of the active need codes, per control database (see `cachedActiveNeedCodes`). */
let needCodesCache: { db: Db; at: number; codes: Set<string> } | null = null;

/**
 * The active need codes, read at most once per `ttlMs` in this isolate (0: every time): every intake
 * and lead call checks needs against them, and the taxonomy changes only through the admin API,
 * which drops the copy (`forgetNeedCodes`) in the isolate that changed it.
 */
export async function cachedActiveNeedCodes(db: Db, now: number, ttlMs: number): Promise<Set<string>> {
  const cached = needCodesCache;
  if (ttlMs > 0 && cached && cached.db === db && now >= cached.at && now - cached.at < ttlMs) return cached.codes;
  const codes = await activeNeedCodes(db);
  if (ttlMs > 0) needCodesCache = { db, at: now, codes };
  return codes;
}

/** Drops this isolate's copy of the need codes. */
export function forgetNeedCodes(): void {
  needCodesCache = null;
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
