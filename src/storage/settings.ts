/**
 * Stored settings and their effective resolution (rules in src/domain/settings.ts).
 */
import { and, asc, eq, sql } from "drizzle-orm";
import {
  type EffectiveSettings,
  resolveSettings,
  type SettingChange,
  type SettingKey,
  type SettingScope,
} from "../domain/settings";
import { boundParametersPerRow, chunkRows, type Db } from "./db";
import { companies, services, settings } from "./schema";

export type SettingDbRow = typeof settings.$inferSelect;

/** Everything the settings resolver and the admin view need, read in one D1 round trip. */
export async function loadSettingsSnapshot(db: Db) {
  const [rows, companyRows, serviceRows] = await db.batch([
    db.select().from(settings).orderBy(asc(settings.scope), asc(settings.scopeId), asc(settings.key)),
    db
      .select({ id: companies.id, name: companies.name, createdAt: companies.createdAt })
      .from(companies)
      .orderBy(asc(companies.createdAt), asc(companies.id)),
    db
      .select({ id: services.id, code: services.code, companyId: services.companyId, category: services.category })
      .from(services)
      .orderBy(asc(services.modelIndex)),
  ]);
  return { rows, catalog: { companies: companyRows, services: serviceRows } };
}

export type SettingsSnapshot = Awaited<ReturnType<typeof loadSettingsSnapshot>>;

/**
 * The effective settings of the whole platform, for the lead flow: one D1 round trip (a batch of
 * three reads), then O(1) lookups.
 */
export async function loadEffectiveSettings(db: Db): Promise<EffectiveSettings> {
  const { rows, catalog } = await loadSettingsSnapshot(db);
  return resolveSettings(rows, catalog);
}

/** The stored row of one setting, if any. */
export function findSettingRow(
  rows: ReadonlyArray<SettingDbRow>,
  scope: SettingScope,
  scopeId: string,
  key: SettingKey,
): SettingDbRow | undefined {
  return rows.find((row) => row.scope === scope && row.scopeId === scopeId && row.key === key);
}

/**
 * The writes of validated changes: upserts (chunked, 6 parameters per row) and deletes (value
 * null). Run them in one batch with their audit entries.
 */
export function settingWriteQueries(db: Db, changes: ReadonlyArray<SettingChange>, actor: string, now: number) {
  const upserts = changes
    .filter((change) => change.value !== null)
    .map((change) => ({
      scope: change.scope,
      scopeId: change.scopeId,
      key: change.key,
      value: JSON.stringify(change.value),
      updatedAt: now,
      updatedBy: actor,
    }));
  const deletes = changes.filter((change) => change.value === null);
  return [
    ...chunkRows(upserts, boundParametersPerRow(settings)).map((chunk) =>
      db
        .insert(settings)
        .values(chunk)
        .onConflictDoUpdate({
          target: [settings.scope, settings.scopeId, settings.key],
          set: {
            value: sqlExcluded("value"),
            updatedAt: sqlExcluded("updated_at"),
            updatedBy: sqlExcluded("updated_by"),
          },
        }),
    ),
    ...deletes.map((change) =>
      db
        .delete(settings)
        .where(
          and(eq(settings.scope, change.scope), eq(settings.scopeId, change.scopeId), eq(settings.key, change.key)),
        ),
    ),
  ];
}

/** The value a conflicting upsert proposed for `column` (SQLite's `excluded.` row). */
function sqlExcluded(column: "value" | "updated_at" | "updated_by") {
  return sql.raw(`excluded.${column}`);
}
