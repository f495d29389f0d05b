/**
 * The admin's settings use cases: read every stored value with the catalog it resolves against,
 * and change many settings at once, all or nothing, each changed value audited.
 */
import { DomainError } from "../../domain/errors";
import {
  type SettingChange,
  type SettingChangeInput,
  settingEntityId,
  validateSettingChanges,
} from "../../domain/settings";
import type { Env } from "../../env";
import { type AuditInput, auditEntries, runBatch } from "../../storage/audit";
import {
  findSettingRow,
  loadSettingsSnapshot,
  type SettingDbRow,
  type SettingsSnapshot,
  settingWriteQueries,
} from "../../storage/settings";
import { controlDb } from "../../storage/shards";

/** The stored settings rows and the catalog (companies, services) they resolve against. */
export type { SettingsSnapshot } from "../../storage/settings";

export async function getSettings(env: Env): Promise<SettingsSnapshot> {
  return loadSettingsSnapshot(controlDb(env));
}

/**
 * Validates every change against the definitions and the catalog; any problem is
 * `validation_failed` listing each one at its path in the body, and nothing is written. Changes
 * already in effect write nothing. Returns the counts and the settings as they are afterwards.
 */
export async function changeSettings(
  env: Env,
  actor: string,
  inputs: ReadonlyArray<SettingChangeInput>,
  now = Date.now(),
): Promise<{ applied: number; unchanged: number; settings: SettingsSnapshot }> {
  const db = controlDb(env);
  const snapshot = await loadSettingsSnapshot(db);
  const { changes, problems } = validateSettingChanges(inputs, snapshot.catalog);
  if (problems.length > 0) {
    throw DomainError.many(
      "validation_failed",
      problems.map((problem) => ({ message: problem.message, path: ["body", ...problem.path] })),
    );
  }

  const effective = changes.filter((change) => !alreadyInEffect(change, snapshot.rows));
  const audits = effective.map((change) => settingAudit(change, snapshot.rows, actor, now));
  await runBatch(db, [...settingWriteQueries(db, effective, actor, now), ...auditEntries(db, audits)]);
  return {
    applied: effective.length,
    unchanged: changes.length - effective.length,
    settings: await loadSettingsSnapshot(db),
  };
}

/** Same stored value, or deleting an override that is not stored. */
function alreadyInEffect(change: SettingChange, rows: ReadonlyArray<SettingDbRow>): boolean {
  const existing = findSettingRow(rows, change.scope, change.scopeId, change.key);
  const newJson = change.value === null ? null : JSON.stringify(change.value);
  return (existing?.value ?? null) === newJson;
}

function settingAudit(
  change: SettingChange,
  rows: ReadonlyArray<SettingDbRow>,
  actor: string,
  now: number,
): AuditInput {
  const existing = findSettingRow(rows, change.scope, change.scopeId, change.key);
  const identity = {
    scope: change.scope,
    scope_id: change.scope === "global" ? null : change.scopeId,
    setting: change.key,
  };
  return {
    actor,
    action: change.value === null ? "setting.deleted" : "setting.set",
    entityType: "setting",
    entityId: settingEntityId(change.scope, change.scopeId, change.key),
    before: existing ? { ...identity, value: JSON.parse(existing.value) } : null,
    after: change.value === null ? null : { ...identity, value: change.value },
    at: now,
  };
}
