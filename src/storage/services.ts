/**
 * The service catalog: the items of the recommender. Services are never deleted (only
 * deactivated), so a service's `model_index` — its column in the interaction matrix and in every
 * model artefact — is assigned once as max + 1 and never reused.
 */
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db";
import { companies, services } from "./schema";

export type ServiceRow = typeof services.$inferSelect;
export type NewServiceRow = typeof services.$inferInsert;

export async function getServiceByCode(db: Db, code: string): Promise<ServiceRow | null> {
  const rows = await db.select().from(services).where(eq(services.code, code)).limit(1);
  return rows[0] ?? null;
}

/** Services matching every given filter, in model-index order (the order they were created). */
export async function listServices(
  db: Db,
  filter: { companyId?: string; category?: string; active?: boolean } = {},
): Promise<ServiceRow[]> {
  const conditions: SQL[] = [];
  if (filter.companyId !== undefined) conditions.push(eq(services.companyId, filter.companyId));
  if (filter.category !== undefined) conditions.push(eq(services.category, filter.category));
  if (filter.active !== undefined) conditions.push(eq(services.active, filter.active));
  return db
    .select()
    .from(services)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(services.modelIndex));
}

/** Id, code, owner and category of every service: the small catalog used to check references. */
export async function listServiceRefs(db: Db) {
  return db
    .select({ id: services.id, code: services.code, companyId: services.companyId, category: services.category })
    .from(services)
    .orderBy(asc(services.modelIndex));
}

/** The model index the next service gets: one past the highest ever assigned. */
export async function nextModelIndex(db: Db): Promise<number> {
  const rows = await db.select({ next: sql<number>`COALESCE(MAX(${services.modelIndex}), -1) + 1` }).from(services);
  return Number(rows[0]?.next ?? 0);
}

export function insertServiceQuery(db: Db, row: NewServiceRow) {
  return db.insert(services).values(row).returning();
}

/**
 * The guarded update of a service: applies only while `updated_at` is still `expectedUpdatedAt`;
 * an empty `returning()` result means a concurrent write won and nothing changed.
 */
export function updateServiceQuery(
  db: Db,
  id: string,
  expectedUpdatedAt: number,
  changes: Partial<Pick<NewServiceRow, "name" | "category" | "description" | "active">> & { updatedAt: number },
) {
  return db
    .update(services)
    .set(changes)
    .where(and(eq(services.id, id), eq(services.updatedAt, expectedUpdatedAt)))
    .returning();
}

/**
 * Whether a D1 error is a UNIQUE violation of `table.column` (D1 reports
 * "UNIQUE constraint failed: services.code"); drizzle may wrap it in `cause`.
 */
export function isUniqueViolation(error: unknown, tableColumn: string): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.includes("UNIQUE constraint failed") && message.includes(tableColumn)) return true;
  }
  return false;
}

export { nextUpdatedAt } from "./companies";

/** Every service with its company's name and status, in model-index order: the rows of the serving catalog. */
export async function listServicesWithCompany(db: Db) {
  return db
    .select({
      serviceId: services.id,
      code: services.code,
      name: services.name,
      category: services.category,
      modelIndex: services.modelIndex,
      active: services.active,
      companyId: companies.id,
      companyName: companies.name,
      companyStatus: companies.status,
    })
    .from(services)
    .innerJoin(companies, eq(companies.id, services.companyId))
    .orderBy(asc(services.modelIndex));
}
