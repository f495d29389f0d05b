/** A company's URL rules (control database): page URL prefix → service (docs/storage.md). */
import { and, asc, count, eq } from "drizzle-orm";
import type { Db } from "./db";
import { services, urlRules } from "./schema";

export type UrlRuleRow = typeof urlRules.$inferSelect;

/** The company's rules with their service codes, by prefix. */
export async function listUrlRules(db: Db, companyId: string) {
  return db
    .select({
      id: urlRules.id,
      companyId: urlRules.companyId,
      prefix: urlRules.prefix,
      serviceId: urlRules.serviceId,
      serviceCode: services.code,
      createdAt: urlRules.createdAt,
    })
    .from(urlRules)
    .innerJoin(services, eq(services.id, urlRules.serviceId))
    .where(eq(urlRules.companyId, companyId))
    .orderBy(asc(urlRules.prefix));
}

export type UrlRuleRecord = Awaited<ReturnType<typeof listUrlRules>>[number];

export async function countUrlRules(db: Db, companyId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(urlRules).where(eq(urlRules.companyId, companyId));
  return row?.n ?? 0;
}

export async function findUrlRuleByPrefix(db: Db, companyId: string, prefix: string) {
  const rows = await db
    .select()
    .from(urlRules)
    .where(and(eq(urlRules.companyId, companyId), eq(urlRules.prefix, prefix)))
    .limit(1);
  return rows[0] ?? null;
}

export async function getUrlRule(db: Db, id: string) {
  const rows = await db.select().from(urlRules).where(eq(urlRules.id, id)).limit(1);
  return rows[0] ?? null;
}

export function insertUrlRuleQuery(db: Db, row: UrlRuleRow) {
  return db.insert(urlRules).values(row);
}

export function deleteUrlRuleQuery(db: Db, id: string) {
  return db.delete(urlRules).where(eq(urlRules.id, id));
}

/** The rules and active services of a company as the event ingestion matches them. */
export async function eventCatalog(db: Db, companyId: string) {
  const [rules, active] = await db.batch([
    db
      .select({ prefix: urlRules.prefix, serviceId: urlRules.serviceId, serviceCode: services.code })
      .from(urlRules)
      .innerJoin(services, eq(services.id, urlRules.serviceId))
      .where(and(eq(urlRules.companyId, companyId), eq(services.active, true))),
    db.select({ id: services.id, code: services.code }).from(services).where(eq(services.active, true)),
  ]);
  return { rules, services: active };
}
