/** Admin management of the needs taxonomy; every change is committed with its audit entry. */
import { DomainError } from "../../domain/errors";
import type { NeedTag } from "../../domain/vocabularies/needs";
import type { Env } from "../../env";
import { auditEntry, runBatch } from "../../storage/audit";
import { isUniqueViolation } from "../../storage/services";
import { controlDb } from "../../storage/shards";
import {
  getNeedTag,
  insertNeedTagQuery,
  type NeedTagRow,
  toNeedTag,
  updateNeedTagQuery,
} from "../../storage/vocabularies";

const codeTaken = (code: string) =>
  new DomainError("conflict", `A need tag with code ${code} already exists`, ["body", "code"]);

/** Adds a tag to the taxonomy (409 when the code is taken). */
export async function createNeedTag(env: Env, actor: string, tag: NeedTag): Promise<NeedTag> {
  const db = controlDb(env);
  if (await getNeedTag(db, tag.code)) throw codeTaken(tag.code);
  const now = Date.now();
  const row: NeedTagRow = {
    code: tag.code,
    labelRu: tag.labelRu,
    labelEn: tag.labelEn,
    groupCode: tag.group,
    active: tag.active,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await runBatch(db, [
      insertNeedTagQuery(db, row),
      auditEntry(db, {
        actor,
        action: "need_tag.created",
        entityType: "need_tag",
        entityId: row.code,
        before: null,
        after: toNeedTag(row),
        at: now,
      }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error, "need_tags.code")) throw codeTaken(tag.code);
    throw error;
  }
  return toNeedTag(row);
}

/**
 * Changes a tag's labels, group or `active` flag (the code is immutable: stored profiles refer to
 * it). Retiring a tag refuses it on new input; clients that carry it keep it. 404 for an unknown code.
 */
export async function updateNeedTag(
  env: Env,
  actor: string,
  code: string,
  changes: Partial<Omit<NeedTag, "code">>,
): Promise<NeedTag> {
  const db = controlDb(env);
  const existing = await getNeedTag(db, code);
  if (!existing) throw new DomainError("not_found", `No need tag with code ${code}`, ["params", "code"]);
  const row: NeedTagRow = {
    ...existing,
    labelRu: changes.labelRu ?? existing.labelRu,
    labelEn: changes.labelEn ?? existing.labelEn,
    groupCode: changes.group ?? existing.groupCode,
    active: changes.active ?? existing.active,
    updatedAt: Math.max(Date.now(), existing.updatedAt + 1),
  };
  const before = toNeedTag(existing);
  const after = toNeedTag(row);
  if (JSON.stringify(before) === JSON.stringify(after)) return after;
  await runBatch(db, [
    updateNeedTagQuery(db, row),
    auditEntry(db, {
      actor,
      action: "need_tag.updated",
      entityType: "need_tag",
      entityId: code,
      before,
      after,
      at: row.updatedAt,
    }),
  ]);
  return after;
}
